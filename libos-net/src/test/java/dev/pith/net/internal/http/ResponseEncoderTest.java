package dev.pith.net.internal.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pith.net.http.Headers;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseEncoderTest {

    static String text(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    @Test
    void headWithEachFraming() {
        Headers h = Headers.of("Content-Type", "text/plain", "X-Caf\u00e9".substring(0, 5), "caf\u00e9");
        assertEquals("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Caf: caf\u00e9\r\nContent-Length: 12\r\n\r\n",
                text(ResponseEncoder.head(200, h, ResponseEncoder.Framing.CONTENT_LENGTH, 12, null, 0)));
        assertEquals("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                text(ResponseEncoder.head(404, Headers.of(), ResponseEncoder.Framing.CHUNKED, 0, "close", 0)));
        assertEquals("HTTP/1.1 204 No Content\r\n\r\n",
                text(ResponseEncoder.head(204, Headers.of(), ResponseEncoder.Framing.NONE, 0, null, 0)));
        assertEquals("HTTP/1.1 299 \r\nConnection: keep-alive\r\n\r\n",
                text(ResponseEncoder.head(299, Headers.of(), ResponseEncoder.Framing.CLOSE_DELIMITED, 0, "keep-alive", 0)));
    }

    @Test
    void chunkHeaderIsHex() {
        assertEquals("4000\r\n", text(ResponseEncoder.chunkHeader(16384)));
        assertEquals("a\r\n", text(ResponseEncoder.chunkHeader(10)));
    }
}
