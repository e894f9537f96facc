package dev.pith.net;

import dev.pith.core.EventLoop;
import dev.pith.core.ManualClock;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.net.device.MemorySwitch;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.tcp.TcpSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture: stacks wired through an in-memory switch on one event loop with a manual clock,
 * so that every test is deterministic for its seed.
 */
public final class Stacks implements AutoCloseable {

    /** One unikernel's network: interface, UDP and TCP. */
    public record Stack(Interface iface, UdpLayer udp, TcpLayer tcp, NetDevice device) {
        public Ipv4Address address() {
            return iface.address().orElseThrow();
        }

        public Endpoint endpoint(int port) {
            return new Endpoint(address(), port);
        }
    }

    public final ManualClock clock = new ManualClock(1_000_000_000L);
    public final EventLoop loop = EventLoop.builder().clock(clock).build();
    public final RandomSource random;
    public final PacketBufferPool pool = new DirectBufferPool(2048, 8192);
    public final MemorySwitch fabric;
    private final List<Stack> stacks = new ArrayList<>();

    public Stacks(long seed) {
        this.random = RandomSource.seeded(seed);
        this.fabric = new MemorySwitch(loop, random, pool);
    }

    /** Adds a stack with address 10.0.0.{@code host}/24 and the given TCP settings. */
    public Stack add(int host, TcpSettings settings) {
        NetDevice port = fabric.port("host" + host, MacAddress.local(host), 1500);
        Interface iface = new Interface(loop, port, random, InterfaceSettings.defaults());
        UdpLayer udp = new UdpLayer(iface, random);
        TcpLayer tcp = new TcpLayer(loop, iface, random, settings);
        iface.start();
        udp.start();
        tcp.start();
        iface.configure(Ipv4Address.of(10, 0, 0, host), 24, Ipv4Address.of(10, 0, 0, 254), List.of());
        Stack stack = new Stack(iface, udp, tcp, port);
        stacks.add(stack);
        return stack;
    }

    public Stack add(int host) {
        return add(host, TcpSettings.defaults());
    }

    /** Runs the loop until idle, moving virtual time by {@code millis}. */
    public void advance(long millis) {
        loop.advance(java.time.Duration.ofMillis(millis));
    }

    @Override
    public void close() {
        for (Stack s : stacks) {
            s.tcp().stop();
            s.iface().stop();
        }
        loop.runUntilIdle();
        fabric.close();
        for (Stack s : stacks) {
            s.device().close();
        }
        loop.runUntilIdle();
    }
}
