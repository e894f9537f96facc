package dev.pith.net.http;

import dev.pith.net.Endpoint;
import dev.pith.net.Stacks;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A test client that speaks raw bytes over a Pith TCP connection: it sends exactly what the test
 * writes and keeps every byte it receives, so tests can parse responses themselves.
 */
final class RawClient implements TcpConnection.Listener {

    final TcpConnection connection;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final ArrayDeque<ByteBuf> unsent = new ArrayDeque<>();
    private boolean reading = true;
    boolean established;
    boolean eof;
    boolean closed;
    TcpError error;

    private RawClient(Stacks.Stack stack, Endpoint server) {
        this.connection = stack.tcp().connect(server, this);
    }

    static RawClient connect(Stacks.Stack stack, Endpoint server) {
        return new RawClient(stack, server);
    }

    /** Queues {@code text} (ISO-8859-1) to send. */
    RawClient send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] bytes) {
        unsent.add(Unpooled.wrappedBuffer(bytes));
        flush();
        return this;
    }

    void shutdownOutput() {
        connection.shutdownOutput();
    }

    void close() {
        connection.close();
    }

    /** Stops taking bytes from TCP, so its receive window fills and closes. */
    void pauseReading() {
        reading = false;
    }

    void resumeReading() {
        reading = true;
        onReadable(connection);
    }

    byte[] received() {
        return received.toByteArray();
    }

    int receivedLength() {
        return received.size();
    }

    String text() {
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    /** Parses the responses received so far; {@code headRequests[i]} says response i answers HEAD (no body). */
    List<RawResponse> responses(boolean... headRequests) {
        byte[] data = received();
        List<RawResponse> responses = new ArrayList<>();
        int offset = 0;
        while (offset < data.length) {
            int index = responses.size();
            boolean head = index < headRequests.length && headRequests[index];
            RawResponse r = RawResponse.parse(data, offset, head, eof);
            if (r == null) {
                break;
            }
            responses.add(r);
            offset += r.length();
        }
        return responses;
    }

    private void flush() {
        if (!established) {
            return;
        }
        while (!unsent.isEmpty()) {
            ByteBuf next = unsent.peek();
            connection.write(next);
            if (next.isReadable()) {
                return; // onWritable continues
            }
            unsent.poll().release();
        }
    }

    @Override
    public void onReadable(TcpConnection c) {
        if (!reading) {
            return;
        }
        ByteBuf buf = Unpooled.buffer(16384);
        try {
            int n;
            while ((n = c.read(buf.clear())) > 0) {
                buf.readBytes(received, n);
            }
            if (n < 0) {
                eof = true;
            }
        } catch (java.io.IOException impossible) {
            throw new AssertionError(impossible);
        } finally {
            buf.release();
        }
    }

    @Override
    public void onWritable(TcpConnection c) {
        established = true;
        flush();
    }

    @Override
    public void onClosed(TcpConnection c, TcpError e) {
        closed = true;
        error = e;
        unsent.forEach(ByteBuf::release);
        unsent.clear();
        if (e == null) {
            onReadable(c);
        }
    }

    /** A parsed response: status, headers by lower-case name, and the decoded body. */
    record RawResponse(int status, String statusLine, Map<String, List<String>> headers, byte[] body, int length) {

        String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.getFirst();
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** Parses one response at {@code offset}; null if it is not all there yet. */
        static RawResponse parse(byte[] data, int offset, boolean head, boolean eof) {
            int end = indexOf(data, offset, "\r\n\r\n");
            if (end < 0) {
                return null;
            }
            String[] lines = new String(data, offset, end - offset, StandardCharsets.ISO_8859_1).split("\r\n");
            int status = Integer.parseInt(lines[0].substring(9, 12));
            Map<String, List<String>> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.computeIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).strip());
            }
            int bodyStart = end + 4;
            List<String> lengths = headers.get("content-length");
            List<String> codings = headers.get("transfer-encoding");
            if (head || status / 100 == 1 || status == 204 || status == 304) {
                return new RawResponse(status, lines[0], headers, new byte[0], bodyStart - offset);
            }
            if (codings != null) {
                ByteArrayOutputStream body = new ByteArrayOutputStream();
                int p = bodyStart;
                for (;;) {
                    int lineEnd = indexOf(data, p, "\r\n");
                    if (lineEnd < 0) {
                        return null;
                    }
                    int size = Integer.parseInt(new String(data, p, lineEnd - p, StandardCharsets.US_ASCII), 16);
                    p = lineEnd + 2;
                    if (size == 0) {
                        if (p + 2 > data.length) {
                            return null;
                        }
                        return new RawResponse(status, lines[0], headers, body.toByteArray(), p + 2 - offset);
                    }
                    if (p + size + 2 > data.length) {
                        return null;
                    }
                    body.write(data, p, size);
                    p += size + 2;
                }
            }
            if (lengths != null) {
                int length = Integer.parseInt(lengths.getFirst());
                if (bodyStart + length > data.length) {
                    return null;
                }
                return new RawResponse(status, lines[0], headers, java.util.Arrays.copyOfRange(data, bodyStart, bodyStart + length),
                        bodyStart + length - offset);
            }
            if (!eof) {
                return null; // close-delimited
            }
            return new RawResponse(status, lines[0], headers, java.util.Arrays.copyOfRange(data, bodyStart, data.length),
                    data.length - offset);
        }

        private static int indexOf(byte[] data, int from, String pattern) {
            byte[] p = pattern.getBytes(StandardCharsets.US_ASCII);
            outer:
            for (int i = from; i + p.length <= data.length; i++) {
                for (int j = 0; j < p.length; j++) {
                    if (data[i + j] != p[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }
}
