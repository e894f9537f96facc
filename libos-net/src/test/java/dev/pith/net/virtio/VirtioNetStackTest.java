package dev.pith.net.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.device.MacAddress;
import dev.pith.net.Endpoint;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.testing.LeakDetection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Pith's real stack (Interface and TcpLayer) over two virtio-net drivers whose software devices
 * are wired back to back, on one event loop with a manual clock: the driver under the stack.
 */
@ExtendWith(LeakDetection.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class VirtioNetStackTest {

    /** One unikernel's network over one software NIC. */
    private record Host(NetDeviceFixture nic, VirtioNet net, Interface iface, TcpLayer tcp) {}

    private final ManualClock clock = new ManualClock(1_000_000_000L);
    private final EventLoop loop = EventLoop.builder().clock(clock).build();
    private final RandomSource random = RandomSource.seeded(11);

    private Host host(int number, NetDeviceFixture nic) throws IOException {
        nic.device.deviceConfigMemory().set(ValueLayout.JAVA_BYTE, 5, (byte) number); // its own MAC
        VirtioNet net = nic.open(VirtioNet.Settings.defaults());
        Interface iface = new Interface(loop, net, random, InterfaceSettings.defaults());
        TcpLayer tcp = new TcpLayer(loop, iface, random, TcpSettings.defaults());
        iface.start();
        tcp.start();
        iface.configure(Ipv4Address.of(10, 0, 0, number), 24, null, List.of());
        return new Host(nic, net, iface, tcp);
    }

    @Test
    void tcpCarriesMebibytesBothWaysIntact() throws Exception {
        try (NetDeviceFixture nicA = new NetDeviceFixture(NetDeviceFixture.QEMU_LIKE, 256);
                NetDeviceFixture nicB = new NetDeviceFixture(NetDeviceFixture.QEMU_LIKE, 256)) {
            NetDeviceFixture.cable(nicA.device, nicB.device);
            NetDeviceFixture.cable(nicB.device, nicA.device);
            Host server = host(1, nicA);
            Host client = host(2, nicB);
            assertEquals(MacAddress.parse("52:54:00:12:34:01"), server.net().mac());

            byte[] up = random(4 << 20, 1);
            byte[] down = random(4 << 20, 2);
            Peer[] serverSide = new Peer[1];
            server.tcp().listen(5001, c -> {
                serverSide[0] = new Peer(down);
                c.setListener(serverSide[0]);
                serverSide[0].onWritable(c);
            });
            Peer clientSide = new Peer(up);
            client.tcp().connect(new Endpoint(Ipv4Address.of(10, 0, 0, 1), 5001), clientSide);
            for (int i = 0; i < 600 && !(clientSide.closed && serverSide[0] != null && serverSide[0].closed); i++) {
                loop.advance(Duration.ofMillis(100));
            }

            assertTrue(clientSide.eof && serverSide[0].eof, "both saw the end of the stream: client "
                    + clientSide.received + " bytes, " + clientSide.error + "; server " + serverSide[0].received
                    + " bytes, " + serverSide[0].error + "; " + client.net().stats() + " " + server.net().stats());
            assertEquals(up.length, serverSide[0].received);
            assertEquals(down.length, clientSide.received);
            assertArrayEquals(sha256(up), serverSide[0].digest.digest(), "client to server, SHA-256");
            assertArrayEquals(sha256(down), clientSide.digest.digest(), "server to client, SHA-256");
            assertNull(clientSide.error);
            assertNull(serverSide[0].error);
            for (Host host : List.of(server, client)) {
                assertTrue(host.net().stats().txBytes() > 4 << 20, "4 MiB and headers sent: " + host.net().stats());
                assertEquals(0, host.net().stats().txDropped());
                assertEquals(0, host.net().txCopies(), "the stack's frames went out in place");
                assertEquals(0, host.iface().internalErrors());
                assertTrue(host.net().linkUp());
                assertEquals(List.of(), host.nic().device.errors(), "the driver kept to the protocol");
            }
            assertEquals(0, loop.stats().errors());

            for (Host host : List.of(server, client)) {
                host.tcp().stop();
                host.iface().stop();
            }
            loop.runUntilIdle();
            for (Host host : List.of(server, client)) {
                host.net().close();
                assertEquals(0, host.net().rxPool().outstanding(), "every receive buffer back");
                assertEquals(0, host.net().txPool().outstanding(), "every transmit buffer back");
            }
        }
    }

    /** Sends {@code data}, then closes its side; hashes what it receives. */
    private static final class Peer implements TcpConnection.Listener {
        final byte[] data;
        final MessageDigest digest;
        int sent;
        long received;
        boolean eof;
        boolean closed;
        TcpError error;

        Peer(byte[] data) {
            this.data = data;
            try {
                this.digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
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

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] sha256(byte[] data) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }
}
