package dev.pith.bench.http;

import dev.pith.net.http.Headers;
import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.Response;
import dev.pith.net.internal.http.Decoded;
import dev.pith.net.internal.http.RequestDecoder;
import dev.pith.net.internal.http.RequestHead;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One request decoded and its response encoded, on the same bytes, by Pith's codec
 * ({@link RequestDecoder}, {@code ResponseEncoder}) and by Netty's ({@link HttpRequestDecoder},
 * {@link HttpResponseEncoder}). Two requests: a browser-like GET with eight header fields, and a
 * small JSON POST framed by {@code Content-Length}. The response is what the hello handler of the
 * end-to-end comparison answers: 200, {@code text/plain; charset=utf-8}, "hello, unikernel\n".
 *
 * <p>Each operation, on both sides: build the response object as a handler would; decode the
 * request from a buffer into a request object (Pith: {@link RequestHead} and the body as a
 * {@code byte[]}; Netty: {@link HttpRequest} and its {@link LastHttpContent}, whose content is a
 * retained slice of the input), read one header value from it; encode the response head with
 * {@code Content-Length} and the body into one buffer; release every buffer.
 *
 * <ul>
 *   <li>{@code pith*}: the calls {@code HttpConnection} makes, decoder reused as on a connection.
 *   <li>{@code netty*}: the codecs' {@code decode} and {@code encode} called directly (through
 *       subclasses), skipping {@code ByteToMessageDecoder}'s cumulation and the pipeline, as Pith's
 *       server calls its codec directly. The encoder takes the buffer from a channel's allocator:
 *       Netty's default, pooled.
 *   <li>{@code nettyPipeline*}: the same through an {@link EmbeddedChannel} ({@code writeInbound},
 *       {@code writeOutbound}), i.e. with the pipeline's per-message costs a Netty server pays.
 * </ul>
 *
 * <p>What differs besides the code: Pith validates more (Host, Content-Length syntax, field values)
 * and copies the body into a {@code byte[]} (its handlers get whole requests); Netty hands the body
 * on as a slice, and its encoder writes into a pooled buffer where Pith's takes an unpooled heap
 * buffer. Run with {@code -prof gc} for bytes allocated per operation.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled"})
@State(Scope.Thread)
public class HttpCodecBenchmark {

    static final String GET = """
            GET /index.html?lang=en HTTP/1.1\r
            Host: www.example.com\r
            User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r
            Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r
            Accept-Language: en-US,en;q=0.5\r
            Accept-Encoding: gzip, deflate, br, zstd\r
            Connection: keep-alive\r
            Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark\r
            Upgrade-Insecure-Requests: 1\r
            \r
            """;
    static final String POST_BODY = "{\"name\":\"pith\",\"size\":42}";
    static final String POST = """
            POST /api/items HTTP/1.1\r
            Host: api.example.com\r
            User-Agent: curl/8.5.0\r
            Accept: */*\r
            Content-Type: application/json\r
            Content-Length: %d\r
            \r
            %s""".formatted(POST_BODY.length(), POST_BODY);
    static final String HELLO = "hello, unikernel\n";
    static final String TEXT_PLAIN = "text/plain; charset=utf-8";

    /**
     * {@code ResponseEncoder.head(status, headers, framing, contentLength, connection, extraCapacity)}
     * and {@code Response.body}: package-private in libos-net, reached here without a class in their
     * package. In the shaded jar every class is in the unnamed module, which opens every package.
     */
    private static final MethodHandle ENCODE_HEAD;
    private static final MethodHandle RESPONSE_BODY;
    /** {@code ResponseEncoder.Framing.CONTENT_LENGTH}. */
    private static final Object CONTENT_LENGTH;

    static {
        try {
            Class<?> encoder = Class.forName("dev.pith.net.internal.http.ResponseEncoder");
            Class<?> framing = Class.forName("dev.pith.net.internal.http.ResponseEncoder$Framing");
            MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(encoder, MethodHandles.lookup());
            ENCODE_HEAD = lookup.findStatic(encoder, "head", MethodType.methodType(ByteBuf.class, int.class,
                            Headers.class, framing, long.class, String.class, int.class))
                    .asType(MethodType.methodType(ByteBuf.class, int.class, Headers.class, Object.class, long.class,
                            String.class, int.class));
            RESPONSE_BODY = MethodHandles.privateLookupIn(Response.class, MethodHandles.lookup())
                    .findGetter(Response.class, "body", byte[].class);
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object contentLength = Enum.valueOf((Class) framing, "CONTENT_LENGTH");
            CONTENT_LENGTH = contentLength;
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Exposes the decoder's {@code decode}, which does not use its context. */
    static final class NettyDecoder extends HttpRequestDecoder {
        void decodeDirect(ByteBuf in, List<Object> out) throws Exception {
            decode(null, in, out);
        }
    }

    /** Exposes the encoder's {@code encode}; it allocates from {@code ctx.alloc()}. */
    static final class NettyEncoder extends HttpResponseEncoder {
        void encodeDirect(ChannelHandlerContext ctx, Object message, List<Object> out) throws Exception {
            encode(ctx, message, out);
        }
    }

    private final ByteBuf get = Unpooled.wrappedBuffer(GET.getBytes(StandardCharsets.US_ASCII));
    private final ByteBuf post = Unpooled.wrappedBuffer(POST.getBytes(StandardCharsets.US_ASCII));

    private RequestDecoder pithDecoder;

    private NettyDecoder nettyDecoder;
    private NettyEncoder nettyEncoder;
    private EmbeddedChannel encoderChannel;
    private ChannelHandlerContext encoderContext;
    private final List<Object> decoded = new ArrayList<>();
    private final List<Object> encoded = new ArrayList<>();

    private EmbeddedChannel pipeline;

    @Setup(Level.Trial)
    public void setUp() throws Throwable {
        pithDecoder = new RequestDecoder(HttpSettings.defaults());
        nettyDecoder = new NettyDecoder();
        nettyEncoder = new NettyEncoder();
        encoderChannel = new EmbeddedChannel(nettyEncoder);
        encoderContext = encoderChannel.pipeline().context(nettyEncoder);
        pipeline = new EmbeddedChannel(new HttpRequestDecoder(), new HttpResponseEncoder());
        // Both sides must do the same work: check what each decodes and encodes once.
        for (ByteBuf request : List.of(get, post)) {
            String pith = ascii(pith(request, null));
            String netty = ascii(netty(request, null));
            String nettyPipeline = ascii(nettyPipeline(request, null));
            String expected = "HTTP/1.1 200 OK\r\ncontent-type: " + TEXT_PLAIN + "\r\ncontent-length: "
                    + HELLO.length() + "\r\n\r\n" + HELLO;
            if (!pith.equalsIgnoreCase(expected) || !netty.equalsIgnoreCase(expected)
                    || !nettyPipeline.equalsIgnoreCase(expected)) {
                throw new AssertionError("responses differ:\n" + pith + "\n" + netty + "\n" + nettyPipeline);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoderChannel.finishAndReleaseAll();
        pipeline.finishAndReleaseAll();
    }

    @Benchmark
    public ByteBuf pithGet(Blackhole bh) throws Throwable {
        return pith(get, bh);
    }

    @Benchmark
    public ByteBuf pithPost(Blackhole bh) throws Throwable {
        return pith(post, bh);
    }

    @Benchmark
    public ByteBuf nettyGet(Blackhole bh) throws Exception {
        return netty(get, bh);
    }

    @Benchmark
    public ByteBuf nettyPost(Blackhole bh) throws Exception {
        return netty(post, bh);
    }

    @Benchmark
    public ByteBuf nettyPipelineGet(Blackhole bh) {
        return nettyPipeline(get, bh);
    }

    @Benchmark
    public ByteBuf nettyPipelinePost(Blackhole bh) {
        return nettyPipeline(post, bh);
    }

    // ---------------------------------------------------------------- Pith

    /**
     * Decodes {@code request} and encodes the hello response as {@code HttpConnection} does;
     * returns the released response buffer (for the check in setUp, which passes a null blackhole).
     */
    private ByteBuf pith(ByteBuf request, Blackhole bh) throws Throwable {
        Response response = Response.text(HELLO);
        request.readerIndex(0);
        Decoded.Message message = null;
        while (message == null) {
            switch (pithDecoder.decode(request)) {
                case Decoded.Message m -> message = m;
                case Decoded.Head _ -> { }
                case Decoded.NeedMore _ -> throw new AssertionError("incomplete request");
                case Decoded.Failure f -> throw new AssertionError(f.toString());
            }
        }
        RequestHead head = message.head();
        String userAgent = head.field("User-Agent");
        byte[] body = (byte[]) RESPONSE_BODY.invokeExact(response);
        ByteBuf out = (ByteBuf) ENCODE_HEAD.invokeExact(response.status(), response.headers(), CONTENT_LENGTH,
                (long) body.length, (String) null, body.length);
        out.writeBytes(body);
        if (bh != null) {
            bh.consume(userAgent);
            bh.consume(message.body());
            out.release();
        }
        return out;
    }

    // ---------------------------------------------------------------- Netty

    private ByteBuf netty(ByteBuf request, Blackhole bh) throws Exception {
        FullHttpResponse response = nettyResponse();
        request.readerIndex(0);
        decoded.clear();
        while (request.isReadable()) {
            nettyDecoder.decodeDirect(request, decoded);
        }
        HttpRequest head = (HttpRequest) decoded.get(0);
        if (!head.decoderResult().isSuccess() || !(decoded.getLast() instanceof LastHttpContent last)) {
            throw new AssertionError(decoded);
        }
        String userAgent = head.headers().get(HttpHeaderNames.USER_AGENT);
        encoded.clear();
        nettyEncoder.encodeDirect(encoderContext, response, encoded); // releases the response
        ByteBuf out = (ByteBuf) encoded.getFirst();
        if (encoded.size() != 1) {
            throw new AssertionError("encoded into " + encoded.size() + " buffers");
        }
        if (bh != null) {
            bh.consume(userAgent);
            bh.consume(last.content());
            out.release();
        }
        for (int i = 1; i < decoded.size(); i++) {
            ((HttpContent) decoded.get(i)).release();
        }
        return out;
    }

    private ByteBuf nettyPipeline(ByteBuf request, Blackhole bh) {
        FullHttpResponse response = nettyResponse();
        request.readerIndex(0);
        pipeline.writeInbound(request.retain());
        HttpRequest head = pipeline.readInbound();
        String userAgent = head.headers().get(HttpHeaderNames.USER_AGENT);
        LastHttpContent last = pipeline.readInbound();
        pipeline.writeOutbound(response);
        ByteBuf out = pipeline.readOutbound();
        if (bh != null) {
            bh.consume(userAgent);
            bh.consume(last.content());
            out.release();
        }
        last.release();
        Object more = pipeline.readInbound();
        if (more != null) {
            ReferenceCountUtil.release(more);
            throw new AssertionError("more than a request and its last content: " + more);
        }
        return out;
    }

    /** What the Netty hello server's handler answers. */
    private static FullHttpResponse nettyResponse() {
        byte[] body = HELLO.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    /** Returns the buffer's readable bytes as text and releases it. */
    private static String ascii(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }
}
