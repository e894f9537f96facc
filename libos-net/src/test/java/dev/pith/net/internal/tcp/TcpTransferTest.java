package dev.pith.net.internal.tcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.net.Stacks;
import dev.pith.net.device.MemorySwitch;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bulk transfers both ways between two stacks, on a clean and on a hostile link, checked by SHA-256. */
class TcpTransferTest {

    /** Sends {@code data} and records what arrives; closes its output when all is written. */
    static final class Endpoint implements TcpConnection.Listener {
        final byte[] data;
        int sent;
        final MessageDigest digest;
        long received;
        boolean eof;
        TcpError error;
        boolean closed;

        Endpoint(byte[] data) {
            this.data = data;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void onReadable(TcpConnection c) {
            ByteBuf buf = Unpooled.buffer(16384);
            try {
                int n;
                while ((n = c.read(buf)) > 0) {
                    digest.update(buf.nioBuffer());
                    received += n;
                    buf.clear();
                }
                if (n < 0) {
                    eof = true;
                }
            } finally {
                buf.release();
            }
        }

        @Override
        public void onWritable(TcpConnection c) {
            while (sent < data.length) {
                ByteBuf chunk = Unpooled.wrappedBuffer(data, sent, Math.min(65536, data.length - sent));
                int n = c.write(chunk);
                chunk.release();
                sent += n;
                if (n == 0) {
                    return;
                }
            }
            c.shutdownOutput();
        }

        @Override
        public void onClosed(TcpConnection c, TcpError e) {
            closed = true;
            error = e;
        }
    }

    static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    @ParameterizedTest(name = "{0} MiB, loss {1}, dup {2}, reorder {3}, {4}")
    @CsvSource({
        "4, 0.0, 0.0, 0.0, cubic",
        "2, 0.05, 0.05, 0.05, cubic",
        "2, 0.05, 0.05, 0.05, newreno",
        "1, 0.10, 0.0, 0.20, cubic",
    })
    void bothWaysIntact(int mebibytes, double loss, double duplication, double reorder, String congestion) throws Exception {
        try (Stacks net = new Stacks(42)) {
            TcpSettings settings = TcpSettings.defaults().withCongestionControl(congestion);
            Stacks.Stack server = net.add(1, settings);
            Stacks.Stack client = net.add(2, settings);
            net.fabric.setFaults(new MemorySwitch.Faults(loss, duplication, 0, reorder, Duration.ofMillis(3),
                    Duration.ofMillis(1), 0, MemorySwitch.Faults.DEFAULT_QUEUE_LIMIT));
            byte[] up = random(mebibytes << 20, 1);
            byte[] down = random(mebibytes << 20, 2);
            Endpoint[] serverSide = new Endpoint[1];
            server.tcp().listen(5001, c -> {
                serverSide[0] = new Endpoint(down);
                c.setListener(serverSide[0]);
                serverSide[0].onWritable(c);
            });
            Endpoint clientSide = new Endpoint(up);
            client.tcp().connect(server.endpoint(5001), clientSide);
            for (int i = 0; i < 600 && !(clientSide.closed && serverSide[0] != null && serverSide[0].closed); i++) {
                net.advance(1000);
            }
            assertTrue(clientSide.eof && serverSide[0].eof, "both saw end of stream; client " + clientSide.error + " "
                    + clientSide.received + ", server " + serverSide[0].error + " " + serverSide[0].received + ", "
                    + client.tcp().stats() + " " + server.tcp().stats() + " drops " + client.iface().drops() + " " + server.iface().drops());
            assertEquals(up.length, serverSide[0].received);
            assertEquals(down.length, clientSide.received);
            assertArrayEquals(sha256(up), serverSide[0].digest.digest());
            assertArrayEquals(sha256(down), clientSide.digest.digest());
            assertEquals(null, clientSide.error);
            assertEquals(null, serverSide[0].error);
            assertEquals(0, client.iface().internalErrors() + server.iface().internalErrors());
            // No segment may outgrow the MTU, whatever options it carries (RFC 6691).
            assertEquals(0, client.iface().drops().get(dev.pith.net.DropReason.IPV4_TOO_BIG)
                    + server.iface().drops().get(dev.pith.net.DropReason.IPV4_TOO_BIG));
            assertEquals(0, net.loop.stats().errors());
        }
    }
}
