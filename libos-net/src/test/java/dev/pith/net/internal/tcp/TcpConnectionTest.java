package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.Stacks;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpState;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TcpConnectionTest {

    private final Stacks net = new Stacks(1);
    private final Stacks.Stack server = net.add(1);
    private final Stacks.Stack client = net.add(2);

    @AfterEach
    void close() {
        net.close();
    }

    /** Echoes what it reads; records what the client receives. */
    private static final class Recorder implements TcpConnection.Listener {
        final StringBuilder received = new StringBuilder();
        boolean writable;
        boolean closed;
        TcpError error;

        @Override
        public void onReadable(TcpConnection c) {
            ByteBuf buf = Unpooled.buffer(4096);
            int n;
            while ((n = c.read(buf)) > 0) {
                received.append(buf.toString(StandardCharsets.UTF_8));
                buf.clear();
            }
            buf.release();
        }

        @Override
        public void onWritable(TcpConnection c) {
            writable = true;
        }

        @Override
        public void onClosed(TcpConnection c, TcpError e) {
            closed = true;
            error = e;
        }
    }

    @Test
    void handshakeEchoAndGracefulClose() {
        List<TcpConnection> accepted = new ArrayList<>();
        server.tcp().listen(7, c -> {
            accepted.add(c);
            c.setListener(new TcpConnection.Listener() {
                @Override
                public void onReadable(TcpConnection conn) {
                    conn.pipeTo(conn);
                }

                @Override
                public void onWritable(TcpConnection conn) {
                    conn.pipeTo(conn);
                }
            });
        });
        Recorder recorder = new Recorder();
        TcpConnection c = client.tcp().connect(server.endpoint(7), recorder);
        assertEquals(TcpState.SYN_SENT, c.state());
        net.advance(10);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertTrue(recorder.writable);
        assertEquals(1, accepted.size());
        ByteBuf hello = Unpooled.copiedBuffer("hello pith\n", StandardCharsets.UTF_8);
        assertEquals(11, c.write(hello));
        hello.release();
        net.advance(100);
        assertEquals("hello pith\n", recorder.received.toString());
        c.close();
        net.advance(100);
        // The echo side saw EOF and closed its output through pipeTo; we are in TIME-WAIT, it is closed.
        assertEquals(TcpState.TIME_WAIT, c.state());
        assertTrue(recorder.closed);
        assertNull(recorder.error);
        assertEquals(TcpState.CLOSED, accepted.getFirst().state());
        net.advance(31_000);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(0, client.tcp().stats().open());
        assertEquals(0, server.tcp().stats().open());
        assertEquals(0, server.iface().internalErrors());
    }

    @Test
    void aClosedPortAnswersWithAResetAndConnectIsRefused() {
        Recorder recorder = new Recorder();
        TcpConnection c = client.tcp().connect(server.endpoint(9), recorder);
        net.advance(10);
        assertEquals(TcpState.CLOSED, c.state());
        assertEquals(TcpError.REFUSED, recorder.error);
        assertNotNull(server.iface().drops().snapshot().get(dev.pith.net.DropReason.TCP_NO_SOCKET));
    }
}
