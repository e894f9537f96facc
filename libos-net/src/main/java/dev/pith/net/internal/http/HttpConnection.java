package dev.pith.net.internal.http;

import dev.pith.core.Timer;
import dev.pith.net.http.BodyWriter;
import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.HttpVersion;
import dev.pith.net.http.Request;
import dev.pith.net.http.Response;
import dev.pith.net.internal.http.ResponseEncoder.Framing;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * One HTTP/1.1 connection on the loop: reads requests, runs their handlers, writes their
 * responses in order (RFC 9112 §9.3.2), and closes.
 *
 * <h2>Flow</h2>
 * Everything happens in {@link #pump()}, which every event calls (readable, writable, a blocking
 * handler done, a body chunk handed over, a timer): it reads and decodes as far as allowed,
 * starts the handlers whose turn it is, and writes responses from the front of the queue, until
 * nothing moves. Each request becomes an {@link Exchange} at its head, queued in order.
 *
 * <ul>
 *   <li>Handlers start in request order. A handler starts only when every earlier one has
 *       finished, except that safe requests (GET, HEAD, OPTIONS) may run beside earlier safe ones
 *       (RFC 9112 §9.3.2 allows parallel processing of safe methods only). Responses go out strictly
 *       in order, however the handlers finish.
 *   <li>Backpressure: reading stops between requests while {@code maxPipelinedRequests} exchanges
 *       wait, or while TCP's send buffer is full; the unread bytes stay in TCP's receive buffer and
 *       its window closes. A streamed body is pulled one chunk at a time (see {@link BodyStream}).
 *   <li>Closing: after a response marked {@code closeAfter} (the client asked, HTTP/1.0 without
 *       keep-alive, a bad request, a close-delimited body, shutdown) no further request is read; once
 *       the response is out the output is shut down and the connection lingers, reading and
 *       discarding, until the client closes or {@link #LINGER} passes (RFC 9112 §9.6): closing at
 *       once with unread input would send a reset that can destroy the response in flight.
 * </ul>
 *
 * <h2>Timeouts</h2>
 * One loop {@link Timer}, armed for what the connection waits for: the head of a request
 * ({@code headerTimeout} from its first byte: slow drips get 408), the next byte of a body
 * ({@code idleTimeout}: 408), the next request ({@code idleTimeout}; {@code headerTimeout} for a new
 * connection's first), the client's close while lingering. Nothing is armed while the server owes
 * responses. Candidly: there is no write timeout; a client that stops reading holds its connection
 * until TCP gives up on it or the server shuts down.
 */
final class HttpConnection implements TcpConnection.Listener {

    /** How long a closing connection reads and discards after shutting its output down. */
    static final Duration LINGER = Duration.ofSeconds(2);
    /** A fixed body up to this long is copied behind the head, so both go in one write. */
    static final int SMALL_BODY = 8 * 1024;

    private enum State {
        /** Reading requests and answering them. */
        OPEN,
        /** Reads no more requests: answers those queued, then lingers. */
        CLOSING,
        /** Output shut down; reads and discards until the client closes or {@link #LINGER} passes. */
        LINGERING,
        /** Done; TCP may still be finishing its close. */
        CLOSED
    }

    /** What the timer is armed for. */
    private enum Timeout { NONE, FIRST_REQUEST, HEADER, BODY, IDLE, LINGER }

    private final Server server;
    private final TcpConnection tcp;
    private final HttpSettings settings;
    private final RequestDecoder decoder;
    private final Timer timer;
    /** Requests from head to last response byte, in order; the last may be the one being read. */
    private final ArrayDeque<Exchange> exchanges = new ArrayDeque<>();

    private State state = State.OPEN;
    private Timeout timeout = Timeout.NONE;
    /** The exchange whose request the decoder is reading (after its head); also the last in {@link #exchanges}. */
    private Exchange reading;
    /** Bytes read from TCP but not decoded because reading paused between requests; null when none. */
    private ByteBuf leftover;
    /** Response bytes not yet in TCP's send buffer; they go before anything else. Null when none. */
    private ByteBuf out;
    /** The last write found TCP's send buffer full; {@link #onWritable} follows. */
    private boolean sendBlocked;
    /** The last read stopped because of backpressure, not for want of bytes. */
    private boolean readPaused;
    /** Responses finished, to tell a new connection's first request from later ones. */
    private long responsesSent;
    private boolean pumping;
    private boolean pumpAgain;

    HttpConnection(Server server, TcpConnection tcp) {
        this.server = server;
        this.tcp = tcp;
        this.settings = server.settings();
        this.decoder = new RequestDecoder(settings);
        this.timer = server.loop().timer(this::onTimeout);
    }

    /** Takes the connection over: its listener, and bytes that came with the handshake. */
    void start() {
        tcp.setNoDelay(true); // a response is written whole; Nagle would only hold back its tail
        tcp.setListener(this);
        pump();
    }

    // ---------------------------------------------------------------- events

    @Override
    public void onReadable(TcpConnection connection) {
        pump();
    }

    @Override
    public void onWritable(TcpConnection connection) {
        pump();
    }

    @Override
    public void onClosed(TcpConnection connection, TcpError error) {
        closed();
    }

    /** The server is shutting down: close if idle, else finish the requests fully received, then close. */
    void drain() {
        if (state != State.OPEN) {
            return;
        }
        if (decoder.isIdle()) {
            stopReading(); // pipelined bytes not yet decoded are dropped: the client retries them elsewhere
            Exchange last = exchanges.peekLast();
            if (last != null && last.phase == Exchange.Phase.AWAITING_RESPONSE) {
                last.closeAfter = true;
            }
        }
        // Otherwise a request is partly here: onMessage closes after it (or a timeout or the grace period ends it).
        pump();
    }

    /** Resets the connection (shutdown's grace period is over). */
    void abort() {
        if (state != State.CLOSED) {
            tcp.abort();
            closed();
        }
    }

    private void blockingHandlerDone(Exchange e, Response response) {
        if (state == State.OPEN || state == State.CLOSING) {
            respond(e, response);
            pump();
        }
    }

    private void chunkReady() {
        if (state == State.OPEN || state == State.CLOSING) {
            pump();
        }
    }

    private void bodyWriterFailed(boolean bug) {
        if (bug) {
            server.counters.handlerFailures++;
        }
        abort(); // the body cannot be finished properly; a reset tells the client it is incomplete
    }

    private void onTimeout() {
        Timeout fired = timeout;
        timeout = Timeout.NONE;
        switch (fired) {
            case FIRST_REQUEST, IDLE -> {
                server.counters.timeouts++;
                stopReading();
            }
            case HEADER, BODY -> {
                server.counters.timeouts++;
                failRequest(408, "request not received in time");
            }
            case LINGER -> {
                finishClose();
                return;
            }
            case NONE -> {
                return;
            }
        }
        pump();
    }

    // ---------------------------------------------------------------- the pump

    private void pump() {
        if (pumping) {
            pumpAgain = true;
            return;
        }
        pumping = true;
        boolean readProgress = false;
        try {
            boolean progress;
            do {
                pumpAgain = false;
                boolean read = readInput();
                readProgress |= read;
                dispatchReady();
                progress = writeResponses() | read;
            } while ((progress || pumpAgain) && state != State.CLOSED);
            updateTimer(readProgress);
        } finally {
            pumping = false;
        }
    }

    /** Reads and decodes while allowed; returns whether any byte was taken. */
    private boolean readInput() {
        if (state == State.LINGERING) {
            return discardInput();
        }
        boolean progress = false;
        readPaused = false;
        while (state == State.OPEN) {
            if (decoder.isIdle() && mustPause()) {
                readPaused = true;
                break;
            }
            ByteBuf src = leftover;
            boolean fromLeftover = src != null;
            leftover = null; // owned here while decoding: whatever closes meanwhile finds nothing to release
            if (!fromLeftover) {
                src = server.readBuffer();
                int n = tcp.read(src);
                if (n < 0) {
                    endOfInput();
                    return true;
                }
                if (n == 0) {
                    break;
                }
            }
            progress = true;
            decodeFrom(src);
            boolean keep = src.isReadable() && state == State.OPEN; // paused mid-buffer: keep the rest for later
            if (fromLeftover) {
                if (keep) {
                    leftover = src;
                } else {
                    src.release();
                }
            } else if (keep) {
                leftover = Unpooled.copiedBuffer(src);
            }
        }
        return progress;
    }

    /** Whether reading must wait before the next request: too many queued, or TCP's send buffer full. */
    private boolean mustPause() {
        return exchanges.size() >= settings.maxPipelinedRequests() || sendBlocked;
    }

    private void decodeFrom(ByteBuf src) {
        while (state == State.OPEN) {
            if (decoder.isIdle() && mustPause()) {
                return;
            }
            switch (decoder.decode(src)) {
                case Decoded.NeedMore ignored -> {
                    return;
                }
                case Decoded.Head head -> onHead(head.head());
                case Decoded.Message message -> {
                    onMessage(message);
                    // Answer at once what can be answered, so that a full send buffer pauses reading
                    // before the next request rather than after all those already received.
                    dispatchReady();
                    writeResponses();
                }
                case Decoded.Failure failure -> {
                    server.counters.badRequests++;
                    failRequest(failure.status(), failure.reason());
                    return;
                }
            }
        }
    }

    private void onHead(RequestHead head) {
        Exchange e = new Exchange(head);
        e.continueOwed = head.expectContinue() && head.hasBody();
        e.closeAfter = !head.keepAlive();
        exchanges.add(e);
        reading = e;
    }

    private void onMessage(Decoded.Message message) {
        Exchange e = reading;
        reading = null;
        e.complete(message.body(), message.trailers());
        server.counters.requests++;
        if (e.closeAfter || server.draining()) {
            e.closeAfter = true;
            stopReading(); // RFC 9112 §9.6: no further request is read after "close"
        }
    }

    /** Answers the request being read (or a new one) with {@code status}, and reads no more. */
    private void failRequest(int status, String reason) {
        Exchange e = reading;
        reading = null;
        if (e == null) {
            e = new Exchange(null);
            exchanges.add(e);
        }
        e.respondInstead(Router.text(status, reason));
        e.closeAfter = true;
        stopReading();
    }

    /** The client closed its side: an incomplete request is dropped; queued ones are still answered. */
    private void endOfInput() {
        if (reading != null) {
            exchanges.remove(reading);
            reading = null;
        }
        stopReading();
    }

    /** Reads no more requests; what is queued is answered, then the connection lingers. */
    private void stopReading() {
        if (state == State.OPEN) {
            state = State.CLOSING;
        }
        if (reading != null) {
            exchanges.remove(reading);
            reading = null;
        }
        if (leftover != null) {
            leftover.release();
            leftover = null;
        }
    }

    // ---------------------------------------------------------------- handlers

    /** Starts the handlers whose turn has come (see the class comment). */
    private void dispatchReady() {
        boolean busy = false;
        boolean busyUnsafe = false;
        for (Exchange e : exchanges) {
            if (e.handling == Exchange.Handling.NOT_STARTED) {
                if (!e.requestComplete || (busy && (busyUnsafe || !e.isSafe()))) {
                    return;
                }
                startHandler(e);
            }
            if (e.handling != Exchange.Handling.DONE) {
                busy = true;
                busyUnsafe |= !e.isSafe();
            }
        }
    }

    private void startHandler(Exchange e) {
        switch (server.router().match(e.head.method(), e.head.path())) {
            case Router.Match.Fixed fixed -> e.respond(fixed.response());
            case Router.Match.Found found -> {
                Request request = server.bridge().request(e.head, e.body, e.trailers, tcp.remoteEndpoint(),
                        found.pathParameters());
                e.body = null;
                e.trailers = null;
                if (found.handler() instanceof BlockingHandler blocking) {
                    e.handling = Exchange.Handling.RUNNING;
                    server.startVirtual(() -> {
                        Response response = Server.invoke(blocking.handler(), request);
                        try {
                            server.handOver(() -> blockingHandlerDone(e, response));
                        } catch (IOException loopStopped) {
                            // Nobody is left to answer.
                        }
                    });
                } else {
                    respond(e, Server.invoke(found.handler(), request));
                }
            }
        }
    }

    private void respond(Exchange e, Response response) {
        if (response == null) {
            server.counters.handlerFailures++;
            response = Router.text(500, "the handler failed");
        }
        e.respond(response);
    }

    // ---------------------------------------------------------------- writing

    /** Writes responses from the front of the queue while TCP takes them; returns whether one finished. */
    private boolean writeResponses() {
        boolean finished = false;
        while (state == State.OPEN || state == State.CLOSING) {
            if (out != null) {
                try {
                    tcp.write(out);
                } catch (IllegalStateException closedForWriting) {
                    closed(); // TCP ended under us; onClosed is on its way
                    return finished;
                }
                if (out.isReadable()) {
                    sendBlocked = true; // TCP calls onWritable when there is room
                    return finished;
                }
                out.release();
                out = null;
            }
            sendBlocked = false;
            Exchange e = exchanges.peek();
            if (e == null) {
                break;
            }
            if (e.continueOwed) {
                e.continueOwed = false;
                if (!e.requestComplete) {
                    out = Unpooled.wrappedBuffer(ResponseEncoder.CONTINUE);
                    server.counters.response(100);
                }
                continue;
            }
            switch (e.phase) {
                case AWAITING_RESPONSE -> {
                    if (e.response == null) {
                        return finished;
                    }
                    out = encode(e);
                }
                case STREAMING -> {
                    if (e.chunkOut) { // the chunk is in TCP's send buffer now: the writer may refill it
                        e.chunkOut = false;
                        e.stream.sent();
                        if (e.lastChunkOut) {
                            e.phase = Exchange.Phase.FINISHED;
                            e.stream = null;
                        }
                        continue;
                    }
                    BodyStream.Chunk chunk = e.stream.take();
                    if (chunk == null) {
                        return finished; // the writer's next hand-over pumps again
                    }
                    out = frame(chunk, e.chunkedBody);
                    e.chunkOut = true;
                    e.lastChunkOut = chunk.last();
                }
                case FINISHED -> {
                    exchanges.poll();
                    responsesSent++;
                    finished = true;
                    if (e.closeAfter) {
                        startLingering();
                        return true;
                    }
                }
            }
        }
        if (state == State.CLOSING && exchanges.isEmpty()) {
            startLingering();
        }
        return finished;
    }

    /** Encodes the head (and a fixed body) of the front exchange's response; sets its phase. */
    private ByteBuf encode(Exchange e) {
        Response response = e.response;
        byte[] body = server.bridge().body(response);
        BodyWriter writer = server.bridge().writer(response);
        boolean http10 = e.head != null && e.head.version() == HttpVersion.HTTP_1_0;
        if (writer != null && http10 && !e.isHead) {
            e.closeAfter = true; // no chunked coding in HTTP/1.0: the close ends the body
        }
        if (state == State.CLOSING && exchanges.size() == 1) {
            e.closeAfter = true; // the last response before closing says so
        }
        if (e.closeAfter) {
            stopReading();
        }
        int status = response.status();
        Framing framing = status == 204 || status == 304 ? Framing.NONE
                : writer == null ? Framing.CONTENT_LENGTH
                : http10 ? Framing.CLOSE_DELIMITED : Framing.CHUNKED;
        String connection = e.closeAfter ? "close" : http10 ? "keep-alive" : null;
        boolean sendBody = !e.isHead && framing != Framing.NONE;
        int inline = sendBody && body != null && body.length <= SMALL_BODY ? body.length : 0;
        ByteBuf head = ResponseEncoder.head(status, response.headers(), framing, body == null ? 0 : body.length,
                connection, inline);
        server.counters.response(status);
        if (!sendBody) {
            e.phase = Exchange.Phase.FINISHED;
            return head;
        }
        if (writer != null) {
            startBodyWriter(e, writer, framing == Framing.CHUNKED);
            return head;
        }
        e.phase = Exchange.Phase.FINISHED;
        if (inline == body.length) {
            return head.writeBytes(body);
        }
        return Unpooled.wrappedBuffer(head, Unpooled.wrappedBuffer(body));
    }

    private void startBodyWriter(Exchange e, BodyWriter writer, boolean chunked) {
        BodyStream stream = new BodyStream(server.loop(), server, this::chunkReady);
        e.phase = Exchange.Phase.STREAMING;
        e.stream = stream;
        e.chunkedBody = chunked;
        server.startVirtual(() -> {
            try {
                writer.writeTo(stream);
                stream.close();
            } catch (Throwable failure) {
                boolean bug = !stream.failed(); // otherwise the client went away: not worth a log line
                if (bug) {
                    Server.log(System.Logger.Level.ERROR, "response body writer threw; resetting the connection", failure);
                }
                try {
                    server.handOver(() -> {
                        if (e.stream == stream && (state == State.OPEN || state == State.CLOSING)) {
                            bodyWriterFailed(bug);
                        }
                    });
                } catch (IOException loopStopped) {
                    // The connection went with the loop.
                }
            }
        });
    }

    /** Frames a handed-over buffer: a chunk (RFC 9112 §7.1), raw bytes for HTTP/1.0. */
    private static ByteBuf frame(BodyStream.Chunk chunk, boolean chunked) {
        ByteBuf data = Unpooled.wrappedBuffer(chunk.bytes(), 0, chunk.length());
        if (!chunked) {
            return data;
        }
        if (chunk.length() == 0) {
            return Unpooled.wrappedBuffer(ResponseEncoder.LAST_CHUNK);
        }
        ByteBuf end = Unpooled.wrappedBuffer(chunk.last() ? ResponseEncoder.CRLF_LAST_CHUNK : ResponseEncoder.CRLF);
        return Unpooled.wrappedBuffer(ResponseEncoder.chunkHeader(chunk.length()), data, end);
    }

    // ---------------------------------------------------------------- closing

    private void startLingering() {
        if (state == State.LINGERING || state == State.CLOSED) {
            return;
        }
        state = State.LINGERING;
        for (Exchange e : exchanges) {
            e.abandon();
        }
        exchanges.clear();
        reading = null;
        if (leftover != null) {
            leftover.release();
            leftover = null;
        }
        tcp.shutdownOutput(); // FIN after the responses already in the send buffer
    }

    /** Reads and drops what arrives; finishes the close at the client's end of stream. Returns whether bytes came. */
    private boolean discardInput() {
        boolean progress = false;
        for (;;) {
            int n = tcp.read(server.readBuffer());
            if (n < 0) {
                finishClose();
                return true;
            }
            if (n == 0) {
                return progress;
            }
            progress = true;
        }
    }

    private void finishClose() {
        if (state == State.CLOSED) {
            return;
        }
        while (tcp.read(server.readBuffer()) > 0) {
            // Drop unread bytes: closing with them would reset the connection (RFC 2525 §2.17).
        }
        tcp.close();
        closed();
    }

    /** Releases everything; idempotent. TCP may still call back afterwards: those calls find CLOSED. */
    private void closed() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        timer.cancel();
        timeout = Timeout.NONE;
        for (Exchange e : exchanges) {
            e.abandon();
        }
        exchanges.clear();
        reading = null;
        if (leftover != null) {
            leftover.release();
            leftover = null;
        }
        if (out != null) {
            out.release();
            out = null;
        }
        server.closed(this);
    }

    // ---------------------------------------------------------------- timer

    private void updateTimer(boolean readProgress) {
        Timeout want = switch (state) {
            case CLOSED, CLOSING -> Timeout.NONE;
            case LINGERING -> Timeout.LINGER;
            case OPEN -> readPaused ? Timeout.NONE
                    : decoder.readingHead() ? Timeout.HEADER
                    : decoder.readingBody() ? Timeout.BODY
                    : !exchanges.isEmpty() ? Timeout.NONE
                    : responsesSent == 0 ? Timeout.FIRST_REQUEST : Timeout.IDLE;
        };
        // A header timeout runs from the head's first byte; a body timeout restarts with each byte.
        if (want == timeout && !(want == Timeout.BODY && readProgress)) {
            return;
        }
        timeout = want;
        switch (want) {
            case NONE -> timer.cancel();
            case FIRST_REQUEST, HEADER -> timer.scheduleAfter(settings.headerTimeout());
            case BODY, IDLE -> timer.scheduleAfter(settings.idleTimeout());
            case LINGER -> timer.scheduleAfter(LINGER);
        }
    }

    @Override
    public String toString() {
        return "HTTP connection " + tcp.remoteEndpoint() + " " + state;
    }
}
