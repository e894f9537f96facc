package dev.pith.net.http;

/** The HTTP versions this server speaks (RFC 9112 §2.3); {@link #toString()} gives the protocol text. */
public enum HttpVersion {
    /** HTTP/1.0: a connection serves one request unless the client asks for keep-alive. */
    HTTP_1_0("HTTP/1.0"),
    /** HTTP/1.1: connections persist unless either side sends {@code Connection: close}. */
    HTTP_1_1("HTTP/1.1");

    private final String text;

    HttpVersion(String text) {
        this.text = text;
    }

    @Override
    public String toString() {
        return text;
    }
}
