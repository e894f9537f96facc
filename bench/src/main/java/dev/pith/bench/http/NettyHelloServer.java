package dev.pith.bench.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The hello server of {@code bench/scripts/http-wrk.sh} on Netty (NIO transport, kernel TCP), after
 * Netty's own HttpHelloWorldServer example: {@link HttpServerCodec}, {@link HttpServerKeepAliveHandler}
 * and a handler that writes each response and flushes once per read. One event loop thread accepts
 * and serves every connection, as Pith's one loop thread does; a third argument sets more.
 *
 * <pre>{@code
 * java -cp bench/target/benchmarks.jar dev.pith.bench.http.NettyHelloServer 10.201.2.2 8082 [threads]
 * }</pre>
 *
 * <p>Answers every request with 200 "hello, unikernel\n" as {@code text/plain; charset=utf-8} and
 * {@code Content-Length}.
 */
public final class NettyHelloServer {

    private NettyHelloServer() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: NettyHelloServer <address> <port> [event loop threads, default 1]");
            System.exit(2);
        }
        int threads = args.length == 3 ? Integer.parseInt(args[2]) : 1;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(), new Hello());
                        }
                    })
                    .bind(new InetSocketAddress(args[0], Integer.parseInt(args[1]))).sync().channel();
            System.out.println("netty listening on " + args[0] + ":" + args[1] + " with " + threads + " thread(s)");
            channel.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Answers each request head; the (empty) contents that follow are dropped by the base class. */
    private static final class Hello extends SimpleChannelInboundHandler<HttpObject> {
        private static final byte[] HELLO = HttpCodecBenchmark.HELLO.getBytes(StandardCharsets.UTF_8);

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
            if (message instanceof HttpRequest) {
                FullHttpResponse response = new DefaultFullHttpResponse(((HttpRequest) message).protocolVersion(),
                        HttpResponseStatus.OK, Unpooled.wrappedBuffer(HELLO));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpCodecBenchmark.TEXT_PLAIN)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, HELLO.length);
                ctx.write(response); // HttpServerKeepAliveHandler closes after it when the request asked to
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
