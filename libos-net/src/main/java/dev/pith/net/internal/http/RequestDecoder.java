package dev.pith.net.internal.http;

import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.HttpVersion;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes HTTP/1.1 requests (RFC 9112) from bytes that arrive in fragments of any size, after
 * Netty's {@code HttpObjectDecoder}: one {@code switch} over a private {@link State}; each call
 * takes what it can from the buffer, returns {@link Decoded#NEED_MORE} when the buffer is empty,
 * and resumes where it stopped on the next call. It never reads past the end of a request, so
 * pipelined requests stay in the buffer for the next call. Bad input moves it to
 * {@code BAD_MESSAGE} and comes back as a {@link Decoded.Failure} with the status to answer; it
 * never throws on input.
 *
 * <p>Per request it returns a {@link Decoded.Head} when the header section is complete (the
 * caller may answer {@code 100 Continue} then), and a {@link Decoded.Message} with the whole body.
 * Bodies are framed by {@code Content-Length} or by the {@code chunked} coding (extensions
 * ignored, trailers kept); a request with neither has no body (RFC 9112 §6.3 rule 7).
 *
 * <table>
 *   <caption>Limits (from {@link HttpSettings}, defaults in brackets)</caption>
 *   <tr><th>What</th><th>Limit</th><th>Failure</th></tr>
 *   <tr><td>request line, CRLF excluded</td><td>maxRequestLineLength [8192]</td><td>414</td></tr>
 *   <tr><td>field lines in the header or trailer section</td><td>maxHeaderCount [100]</td><td>431</td></tr>
 *   <tr><td>bytes of those field lines, each with its CRLF</td><td>maxHeaderSectionSize [16384]</td><td>431</td></tr>
 *   <tr><td>body (sum of chunks)</td><td>maxBodySize [1048576]</td><td>413</td></tr>
 *   <tr><td>chunk-size line with extensions, CRLF excluded</td><td>{@value #MAX_CHUNK_LINE_LENGTH}</td><td>400</td></tr>
 * </table>
 *
 * <p>Strict where RFC 9112 lets a recipient choose, because leniency is what request smuggling
 * feeds on: lines must end in CRLF (a bare LF is 400, §2.2), a bare CR is 400, NUL anywhere in the
 * head is 400, the request line is split by single spaces, obsolete line folding is 400 (§5.2),
 * whitespace before a field's colon is 400 (§5.1), {@code Content-Length} must be one run of digits
 * in one field line (a list, even "5, 5", is 400), {@code Content-Length} with
 * {@code Transfer-Encoding} is 400 (§6.3), {@code Transfer-Encoding} must end in {@code chunked}
 * (400, §6.3) and contain nothing else (501: no other coding is implemented), and HTTP/1.0 with
 * {@code Transfer-Encoding} is 400 (§6.1). Empty lines before a request line are skipped (§2.2).
 *
 * <p>Memory: the line buffer grows to the longest line allowed; a body grows as it arrives, to at
 * most its declared length or the body limit, so a large {@code Content-Length} alone costs nothing.
 */
public final class RequestDecoder {

    /** Most bytes of a chunk-size line, extensions included, CRLF excluded. */
    public static final int MAX_CHUNK_LINE_LENGTH = 4096;

    private static final byte[] NO_BYTES = new byte[0];
    // Results of readLine besides a line's length.
    private static final int INCOMPLETE = -1;
    private static final int TOO_LONG = -2;
    private static final int BARE_CR = -3;
    private static final int BARE_LF = -4;
    private static final int NUL = -5;

    private enum State {
        READ_REQUEST_LINE,
        READ_HEADER,
        READ_FIXED_LENGTH_CONTENT,
        READ_CHUNK_SIZE,
        READ_CHUNKED_CONTENT,
        READ_CHUNK_DELIMITER,
        READ_TRAILER,
        BAD_MESSAGE
    }

    private final int maxRequestLineLength;
    private final int maxHeaderCount;
    private final int maxHeaderSectionSize;
    private final int maxBodySize;

    private State state = State.READ_REQUEST_LINE;

    /** The line being read, without its line ending. */
    private byte[] line = new byte[128];
    /** Bytes of {@link #line} in use. */
    private int lineLength;
    /** The last byte taken was a CR: the next one must be LF. */
    private boolean sawCr;

    // The head being read.
    private String method;
    private String target;
    private String path;
    private String query;
    private HttpVersion version;
    /** Field names and values, alternating, of the header or (later) trailer section being read. */
    private final ArrayList<String> fields = new ArrayList<>();
    /** Field lines so far in the current section. */
    private int fieldCount;
    /** Bytes of the current section's field lines so far, each counted with its CRLF. */
    private int sectionSize;
    /** The complete head, from its empty line to the end of the message. */
    private RequestHead head;

    // The body being read.
    /** Bytes left of a Content-Length body, or of the current chunk. */
    private long remaining;
    /** The body so far: bytes [0, bodyLength); grows up to bodyCapacity. */
    private byte[] body = NO_BYTES;
    private int bodyLength;
    private int bodyCapacity;

    /** Creates a decoder with the limits of {@code settings}. */
    public RequestDecoder(HttpSettings settings) {
        this(settings.maxRequestLineLength(), settings.maxHeaderCount(), settings.maxHeaderSectionSize(),
                settings.maxBodySize());
    }

    /** Creates a decoder with these limits; see the class's table. */
    public RequestDecoder(int maxRequestLineLength, int maxHeaderCount, int maxHeaderSectionSize, int maxBodySize) {
        this.maxRequestLineLength = maxRequestLineLength;
        this.maxHeaderCount = maxHeaderCount;
        this.maxHeaderSectionSize = maxHeaderSectionSize;
        this.maxBodySize = maxBodySize;
    }

    /** Returns whether the decoder is between requests: nothing of the next one has been taken. */
    public boolean isIdle() {
        return state == State.READ_REQUEST_LINE && lineLength == 0 && !sawCr;
    }

    /** Returns whether part of a request line or header section has been taken, but not all of it. */
    public boolean readingHead() {
        return state == State.READ_HEADER || (state == State.READ_REQUEST_LINE && !isIdle());
    }

    /** Returns whether a head is complete and its body is being read. */
    public boolean readingBody() {
        return switch (state) {
            case READ_FIXED_LENGTH_CONTENT, READ_CHUNK_SIZE, READ_CHUNKED_CONTENT, READ_CHUNK_DELIMITER, READ_TRAILER -> true;
            case READ_REQUEST_LINE, READ_HEADER, BAD_MESSAGE -> false;
        };
    }

    /**
     * Takes bytes from {@code in} (advancing its reader index) up to the end of the next event:
     * returns {@link Decoded.Head}, {@link Decoded.Message} or {@link Decoded.Failure}, or
     * {@link Decoded#NEED_MORE} once {@code in} is empty. After a failure every byte is discarded.
     * The caller keeps ownership of {@code in}.
     */
    @SuppressWarnings("fallthrough") // from the request line into the header section, as Netty does
    public Decoded decode(ByteBuf in) {
        for (;;) {
            switch (state) {
                case READ_REQUEST_LINE: {
                    int n = readLine(in, maxRequestLineLength);
                    if (n == INCOMPLETE) {
                        return Decoded.NEED_MORE;
                    }
                    if (n < 0) {
                        return fail(n, 414, "request line longer than " + maxRequestLineLength + " bytes");
                    }
                    if (n == 0) {
                        continue; // RFC 9112 §2.2: ignore empty lines received before the request line
                    }
                    Decoded.Failure bad = parseRequestLine(n);
                    if (bad != null) {
                        return fail(bad);
                    }
                    state = State.READ_HEADER;
                }
                // fall-through
                case READ_HEADER: {
                    int n = readLine(in, maxHeaderSectionSize - sectionSize - 2);
                    if (n == INCOMPLETE) {
                        return Decoded.NEED_MORE;
                    }
                    if (n < 0) {
                        return fail(n, 431, "header section larger than " + maxHeaderSectionSize + " bytes");
                    }
                    if (n == 0) {
                        return endOfHead();
                    }
                    Decoded.Failure bad = parseField(n, false);
                    if (bad != null) {
                        return fail(bad);
                    }
                    continue;
                }
                case READ_FIXED_LENGTH_CONTENT: {
                    if (remaining == 0) {
                        return endOfMessage();
                    }
                    if (!in.isReadable()) {
                        return Decoded.NEED_MORE;
                    }
                    remaining -= readBody(in);
                    continue;
                }
                case READ_CHUNK_SIZE: {
                    int n = readLine(in, MAX_CHUNK_LINE_LENGTH);
                    if (n == INCOMPLETE) {
                        return Decoded.NEED_MORE;
                    }
                    if (n < 0) {
                        return fail(n, 400, "chunk-size line longer than " + MAX_CHUNK_LINE_LENGTH + " bytes");
                    }
                    Decoded.Failure bad = parseChunkSize(n);
                    if (bad != null) {
                        return fail(bad);
                    }
                    if (remaining == 0) {
                        // The last chunk: the trailer section follows (RFC 9112 §7.1.2).
                        fields.clear();
                        fieldCount = 0;
                        sectionSize = 0;
                        state = State.READ_TRAILER;
                    } else {
                        state = State.READ_CHUNKED_CONTENT;
                    }
                    continue;
                }
                case READ_CHUNKED_CONTENT: {
                    if (!in.isReadable()) {
                        return Decoded.NEED_MORE;
                    }
                    remaining -= readBody(in);
                    if (remaining == 0) {
                        state = State.READ_CHUNK_DELIMITER;
                    }
                    continue;
                }
                case READ_CHUNK_DELIMITER: {
                    int n = readLine(in, 0);
                    if (n == INCOMPLETE) {
                        return Decoded.NEED_MORE;
                    }
                    if (n != 0) {
                        return fail(400, "chunk data not followed by CRLF");
                    }
                    state = State.READ_CHUNK_SIZE;
                    continue;
                }
                case READ_TRAILER: {
                    int n = readLine(in, maxHeaderSectionSize - sectionSize - 2);
                    if (n == INCOMPLETE) {
                        return Decoded.NEED_MORE;
                    }
                    if (n < 0) {
                        return fail(n, 431, "trailer section larger than " + maxHeaderSectionSize + " bytes");
                    }
                    if (n == 0) {
                        return endOfMessage();
                    }
                    Decoded.Failure bad = parseField(n, true);
                    if (bad != null) {
                        return fail(bad);
                    }
                    continue;
                }
                case BAD_MESSAGE: {
                    in.skipBytes(in.readableBytes()); // the framing is lost: nothing after the failure is a request
                    return Decoded.NEED_MORE;
                }
            }
        }
    }

    // ---------------------------------------------------------------- lines

    /**
     * Moves the bytes of the current line from {@code in} into {@link #line}; returns the line's
     * length once its CRLF is taken, {@link #INCOMPLETE} when {@code in} runs out first, or another
     * negative code when the line is longer than {@code max} or holds a bare CR, a bare LF or NUL.
     */
    private int readLine(ByteBuf in, int max) {
        int i = in.readerIndex();
        int end = in.writerIndex();
        try {
            while (i < end) {
                byte b = in.getByte(i++);
                if (sawCr) {
                    if (b != '\n') {
                        return BARE_CR;
                    }
                    sawCr = false;
                    int length = lineLength;
                    lineLength = 0;
                    return length;
                }
                if (b == '\r') {
                    sawCr = true;
                } else if (b == '\n') {
                    return BARE_LF;
                } else if (b == 0) {
                    return NUL;
                } else if (lineLength >= max) {
                    return TOO_LONG;
                } else {
                    if (lineLength == line.length) {
                        line = Arrays.copyOf(line, Math.min(Math.max(max, 16), 2 * line.length));
                    }
                    line[lineLength++] = b;
                }
            }
            return INCOMPLETE;
        } finally {
            in.readerIndex(i);
        }
    }

    /** Fails for a negative {@link #readLine} result: {@code tooLongStatus} for an overlong line, 400 otherwise. */
    private Decoded fail(int lineResult, int tooLongStatus, String tooLong) {
        return switch (lineResult) {
            case TOO_LONG -> fail(tooLongStatus, tooLong);
            case BARE_CR -> fail(400, "CR not followed by LF");
            case BARE_LF -> fail(400, "line ended by a bare LF; CRLF is required (RFC 9112 §2.2)");
            case NUL -> fail(400, "NUL byte in the message head");
            default -> throw new AssertionError(lineResult);
        };
    }

    private Decoded fail(int status, String reason) {
        return fail(new Decoded.Failure(status, reason));
    }

    private Decoded fail(Decoded.Failure failure) {
        state = State.BAD_MESSAGE;
        body = NO_BYTES;
        fields.clear();
        return failure;
    }

    private String ascii(int from, int to) {
        return new String(line, from, to - from, StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- the head

    /** Parses {@code method SP request-target SP HTTP-version} (RFC 9112 §3); returns null if it is good. */
    private Decoded.Failure parseRequestLine(int n) {
        int sp1 = indexOf(' ', 0, n);
        int sp2 = sp1 < 0 ? -1 : indexOf(' ', sp1 + 1, n);
        if (sp1 <= 0 || sp2 < 0 || sp2 == sp1 + 1 || sp2 == n - 1 || indexOf(' ', sp2 + 1, n) >= 0) {
            return new Decoded.Failure(400, "request line is not method SP request-target SP HTTP-version");
        }
        // HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3).
        int v = sp2 + 1;
        if (n - v != 8 || line[v] != 'H' || line[v + 1] != 'T' || line[v + 2] != 'T' || line[v + 3] != 'P'
                || line[v + 4] != '/' || !isDigit(line[v + 5]) || line[v + 6] != '.' || !isDigit(line[v + 7])) {
            return new Decoded.Failure(400, "malformed HTTP version");
        }
        if (line[v + 5] == '1' && line[v + 7] == '1') {
            version = HttpVersion.HTTP_1_1;
        } else if (line[v + 5] == '1' && line[v + 7] == '0') {
            version = HttpVersion.HTTP_1_0;
        } else {
            return new Decoded.Failure(505, "HTTP version " + ascii(v + 5, n) + " is not supported; use 1.1 or 1.0");
        }
        for (int i = 0; i < sp1; i++) {
            if (!isTokenChar(line[i])) {
                return new Decoded.Failure(400, "method is not a token");
            }
        }
        for (int i = sp1 + 1; i < sp2; i++) {
            if (line[i] <= 0x20 || line[i] >= 0x7f) { // bytes are signed: obs-text is negative
                return new Decoded.Failure(400, "request target has a byte outside visible ASCII");
            }
        }
        method = ascii(0, sp1);
        target = ascii(sp1 + 1, sp2);
        if (method.equals("CONNECT")) {
            return new Decoded.Failure(501, "CONNECT is not implemented");
        }
        return parseTarget();
    }

    /** Splits the target into path and query (RFC 9112 §3.2); returns null if it is good. */
    private Decoded.Failure parseTarget() {
        if (target.indexOf('#') >= 0) {
            return new Decoded.Failure(400, "request target has a fragment");
        }
        int pathStart;
        if (target.charAt(0) == '/') {
            pathStart = 0; // origin-form
        } else if (target.equals("*")) {
            if (!method.equals("OPTIONS")) {
                return new Decoded.Failure(400, "asterisk-form target with a method other than OPTIONS");
            }
            path = "*";
            query = null;
            return null;
        } else if (target.regionMatches(true, 0, "http://", 0, 7) || target.regionMatches(true, 0, "https://", 0, 8)) {
            // absolute-form: the server must accept it (RFC 9112 §3.2.2); the path starts after the authority.
            int authority = target.indexOf("://") + 3;
            int end = authority;
            while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
                end++;
            }
            if (end == authority) {
                return new Decoded.Failure(400, "absolute-form target without an authority");
            }
            pathStart = end;
        } else {
            return new Decoded.Failure(400, "request target is not in origin, absolute or asterisk form");
        }
        int question = target.indexOf('?', pathStart);
        int pathEnd = question < 0 ? target.length() : question;
        path = pathStart == pathEnd ? "/" : target.substring(pathStart, pathEnd);
        query = question < 0 ? null : target.substring(question + 1);
        return null;
    }

    /** Parses {@code field-name ":" OWS field-value OWS} (RFC 9112 §5); returns null if it is good. */
    private Decoded.Failure parseField(int n, boolean trailer) {
        String section = trailer ? "trailer" : "header";
        if (++fieldCount > maxHeaderCount) {
            return new Decoded.Failure(431, "more than " + maxHeaderCount + " " + section + " fields");
        }
        sectionSize += n + 2;
        if (line[0] == ' ' || line[0] == '\t') {
            return new Decoded.Failure(400, fieldCount == 1 && !trailer
                    ? "whitespace between the request line and the first header field (RFC 9112 §2.2)"
                    : "obsolete line folding (RFC 9112 §5.2)");
        }
        int colon = 0;
        while (colon < n && line[colon] != ':') {
            byte b = line[colon];
            if (!isTokenChar(b)) {
                return new Decoded.Failure(400, b == ' ' || b == '\t'
                        ? "whitespace between a field name and its colon (RFC 9112 §5.1)"
                        : "field name is not a token");
            }
            colon++;
        }
        if (colon == n) {
            return new Decoded.Failure(400, section + " field line without a colon");
        }
        if (colon == 0) {
            return new Decoded.Failure(400, "empty field name");
        }
        int start = colon + 1;
        int end = n;
        while (start < end && (line[start] == ' ' || line[start] == '\t')) {
            start++;
        }
        while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t')) {
            end--;
        }
        for (int i = start; i < end; i++) {
            byte b = line[i];
            if ((b >= 0 && b < 0x20 && b != '\t') || b == 0x7f) {
                return new Decoded.Failure(400, "control character in the value of field " + ascii(0, colon));
            }
        }
        fields.add(ascii(0, colon));
        fields.add(ascii(start, end)); // field values are ISO-8859-1 (RFC 9110 §5.5)
        return null;
    }

    /** Interprets the header section once its empty line is taken: framing, Host, Expect, Connection. */
    private Decoded endOfHead() {
        int hosts = 0;
        String host = null;
        int contentLengths = 0;
        String contentLength = null;
        List<String> codings = null;
        int expects = 0;
        String expect = null;
        boolean close = false;
        boolean keepAliveToken = false;
        for (int i = 0; i < fields.size(); i += 2) {
            String name = fields.get(i);
            String value = fields.get(i + 1);
            if (name.equalsIgnoreCase("Host")) {
                hosts++;
                host = value;
            } else if (name.equalsIgnoreCase("Content-Length")) {
                contentLengths++;
                contentLength = value;
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                if (codings == null) {
                    codings = new ArrayList<>(1);
                }
                addListElements(value, codings);
            } else if (name.equalsIgnoreCase("Expect")) {
                expects++;
                expect = value;
            } else if (name.equalsIgnoreCase("Connection")) {
                List<String> options = new ArrayList<>(1);
                addListElements(value, options);
                for (String option : options) {
                    close |= option.equalsIgnoreCase("close");
                    keepAliveToken |= option.equalsIgnoreCase("keep-alive");
                }
            }
        }
        boolean http11 = version == HttpVersion.HTTP_1_1;
        // RFC 9112 §3.2: 400 for an HTTP/1.1 request without Host, with two, or with an invalid one.
        if (http11 && hosts == 0) {
            return fail(400, "missing Host header (RFC 9112 §3.2)");
        }
        if (hosts > 1) {
            return fail(400, "more than one Host header (RFC 9112 §3.2)");
        }
        if (host != null && !isValidHost(host)) {
            return fail(400, "invalid Host header");
        }
        long length = 0;
        if (codings != null) {
            if (!http11) {
                return fail(400, "Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)");
            }
            if (contentLengths > 0) {
                return fail(400, "both Content-Length and Transfer-Encoding (RFC 9112 §6.3)");
            }
            if (codings.isEmpty() || !codings.getLast().equalsIgnoreCase("chunked")) {
                return fail(400, "chunked is not the final transfer coding (RFC 9112 §6.3)");
            }
            for (int i = 0; i < codings.size() - 1; i++) {
                if (codings.get(i).equalsIgnoreCase("chunked")) {
                    return fail(400, "chunked applied more than once (RFC 9112 §7)");
                }
            }
            if (codings.size() > 1) {
                // RFC 9112 §6.1: a server that does not understand a transfer coding SHOULD answer 501.
                String coding = codings.getFirst();
                return isToken(coding) ? fail(501, "transfer coding " + coding + " is not implemented")
                        : fail(400, "malformed transfer coding");
            }
            length = -1;
        } else if (contentLengths > 0) {
            if (contentLengths > 1) {
                return fail(400, "more than one Content-Length field (RFC 9112 §6.3)");
            }
            // Content-Length = 1*DIGIT (RFC 9110 §8.6): no sign, no list, no whitespace inside.
            if (contentLength.isEmpty()) {
                return fail(400, "empty Content-Length");
            }
            for (int i = 0; i < contentLength.length(); i++) {
                if (!isDigit(contentLength.charAt(i))) {
                    return fail(400, "Content-Length is not a run of digits (RFC 9110 §8.6)");
                }
            }
            if (contentLength.length() > 18) {
                return fail(413, "body larger than " + maxBodySize + " bytes");
            }
            length = Long.parseLong(contentLength);
            if (length > maxBodySize) {
                return fail(413, "body of " + length + " bytes is larger than " + maxBodySize + " bytes");
            }
        }
        boolean expectContinue = false;
        if (http11 && expects > 0) {
            // RFC 9110 §10.1.1: 100-continue is the only expectation; a server ignores it from HTTP/1.0 clients.
            if (expects > 1 || !expect.equalsIgnoreCase("100-continue")) {
                return fail(417, "the only expectation supported is 100-continue");
            }
            expectContinue = true;
        }
        boolean keepAlive = http11 ? !close : keepAliveToken && !close;
        head = new RequestHead(method, target, path, query, version, List.copyOf(fields), length, keepAlive,
                expectContinue);
        fields.clear();
        fieldCount = 0;
        sectionSize = 0;
        body = NO_BYTES;
        bodyLength = 0;
        if (length < 0) {
            bodyCapacity = maxBodySize;
            state = State.READ_CHUNK_SIZE;
        } else {
            bodyCapacity = (int) length;
            remaining = length;
            state = State.READ_FIXED_LENGTH_CONTENT;
        }
        return new Decoded.Head(head);
    }

    /** Adds the elements of a comma-separated list (RFC 9110 §5.6.1), trimmed, skipping empty ones. */
    private static void addListElements(String value, List<String> out) {
        int start = 0;
        while (start <= value.length()) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? value.length() : comma;
            String element = value.substring(start, end).strip();
            if (!element.isEmpty()) {
                out.add(element);
            }
            start = end + 1;
        }
    }

    /** uri-host [ ":" port ] with the characters RFC 3986 §3.2.2 allows (reg-name, IP literal), or empty. */
    private static boolean isValidHost(String host) {
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "-._~!$&'()*+,;=%:[]".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- the body

    /** {@code chunk-size [ chunk-ext ]} (RFC 9112 §7.1); sets {@link #remaining}; returns null if it is good. */
    private Decoded.Failure parseChunkSize(int n) {
        long size = 0;
        int i = 0;
        while (i < n && Percent.hex(line[i]) >= 0) {
            if (size <= maxBodySize) { // beyond it the size is refused below; stop before it can overflow
                size = size * 16 + Percent.hex(line[i]);
            }
            i++;
        }
        if (i == 0) {
            return new Decoded.Failure(400, "chunk size is not hexadecimal");
        }
        int j = i;
        while (j < n && (line[j] == ' ' || line[j] == '\t')) {
            j++; // BWS before ";" (RFC 9112 §7.1.1)
        }
        if (j < n ? line[j] != ';' : j > i) {
            return new Decoded.Failure(400, "junk after the chunk size");
        }
        for (int k = j; k < n; k++) {
            if ((line[k] >= 0 && line[k] < 0x20 && line[k] != '\t') || line[k] == 0x7f) {
                return new Decoded.Failure(400, "control character in a chunk extension");
            }
        }
        if (size > maxBodySize - bodyLength) {
            return new Decoded.Failure(413, "chunked body larger than " + maxBodySize + " bytes");
        }
        remaining = size;
        return null;
    }

    /** Copies up to {@link #remaining} bytes of {@code in} into the body; returns how many. */
    private int readBody(ByteBuf in) {
        int n = (int) Math.min(remaining, in.readableBytes());
        int needed = bodyLength + n;
        if (needed > body.length) {
            // Grow as bytes arrive, not on the word of a header.
            long doubled = Math.max(2L * body.length, 4096);
            body = Arrays.copyOf(body, (int) Math.min(bodyCapacity, Math.max(needed, doubled)));
        }
        in.readBytes(body, bodyLength, n);
        bodyLength += n;
        return n;
    }

    private Decoded endOfMessage() {
        byte[] whole = bodyLength == body.length ? body : Arrays.copyOf(body, bodyLength);
        List<String> trailers = fields.isEmpty() ? List.of() : List.copyOf(fields);
        Decoded.Message message = new Decoded.Message(head, whole, trailers);
        head = null;
        body = NO_BYTES;
        bodyLength = 0;
        fields.clear();
        fieldCount = 0;
        sectionSize = 0;
        state = State.READ_REQUEST_LINE;
        return message;
    }

    // ---------------------------------------------------------------- characters

    private int indexOf(char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (line[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** tchar (RFC 9110 §5.6.2). */
    static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || switch (c) {
                    case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~' -> true;
                    default -> false;
                };
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTokenChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
