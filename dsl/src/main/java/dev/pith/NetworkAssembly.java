package dev.pith;

import dev.pith.core.Component;
import dev.pith.core.EventLoop;
import dev.pith.core.buffer.PacketBufferPool;
import dev.pith.core.device.MacAddress;
import dev.pith.core.device.NetDevice;
import dev.pith.core.platform.Platform;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.NetInterface;
import dev.pith.net.device.TapDevice;
import dev.pith.net.gateway.HostGateway;
import dev.pith.net.http.HttpServer;
import dev.pith.net.internal.dhcp.DhcpClient;
import dev.pith.net.internal.dhcp.DhcpSettings;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.tcp.Tcp;
import dev.pith.net.tcp.TcpListener;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.udp.Udp;
import dev.pith.net.udp.UdpSocket;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The network parts of a hosted unikernel: the device and interface ("net"), UDP, the IPv4
 * configuration, TCP, and the services on them, each a {@link Component} started in plan order.
 * Objects are made in {@code start}, so a part that is not in the plan costs nothing.
 */
final class NetworkAssembly {

    /** Frame buffers per unikernel: enough for full device queues in both directions. */
    static final int FRAME_BUFFERS = 4096;
    static final int FRAME_BUFFER_SIZE = 2048;
    /** How long a stopping HTTP server lets requests in flight finish. */
    static final java.time.Duration HTTP_SHUTDOWN_GRACE = java.time.Duration.ofSeconds(2);

    private final Plan.NetworkPlan plan;
    private final Platform platform;
    private final EventLoop loop;
    private PacketBufferPool pool;
    private NetDevice device;
    private Interface iface;
    private UdpLayer udp;
    private TcpLayer tcp;
    private HostGateway gateway;
    private DhcpClient dhcp;
    private final List<Service> services;

    NetworkAssembly(Plan.NetworkPlan plan, List<Service> services, Platform platform, EventLoop loop) {
        this.plan = plan;
        this.services = services;
        this.platform = platform;
        this.loop = loop;
    }

    NetInterface iface() {
        return require(iface, "network");
    }

    Tcp tcp() {
        return require(tcp, "tcp");
    }

    Udp udp() {
        return require(udp, "udp");
    }

    private static <T> T require(T part, String name) {
        if (part == null) {
            throw new NoSuchElementException("the unikernel has no started '" + name + "' part");
        }
        return part;
    }

    /** Returns the component for a network part of the plan, or null if {@code part} is not one. */
    Component component(String part, Plan whole) {
        return switch (part) {
            case "net" -> component(part, this::startNet, this::stopNet);
            case "udp" -> component(part, () -> {
                udp = new UdpLayer(iface, platform.random());
                udp.start();
            }, () -> { });
            case "ipv4" -> component(part, this::startIpv4, this::stopIpv4);
            case "tcp" -> component(part, () -> {
                tcp = new TcpLayer(loop, iface, platform.random(), TcpSettings.defaults());
                tcp.start();
            }, () -> tcp.stop());
            default -> serviceComponent(part, whole);
        };
    }

    private void startNet() throws Exception {
        pool = platform.packetBuffers(FRAME_BUFFER_SIZE, FRAME_BUFFERS);
        MacAddress mac = MacAddress.local(platform.random().nextLong() & 0xFF_FFFF_FFFFL);
        device = switch (plan.device()) {
            case Network.Tap tap -> TapDevice.open(tap.interfaceName(), mac, 1500, pool);
            case Network.Provided provided -> provided.device().get();
            // Hosted, a virtio NIC is stood in for by the host gateway: the same app, reachable on localhost.
            case Network.Virtio v -> startGateway(mac);
            case Network.HostGateway g -> startGateway(mac);
        };
        iface = new Interface(loop, device, platform.random(), InterfaceSettings.defaults());
        iface.start();
    }

    /** Host ports to forward: pith.forward ("8080" or "18080:8080", comma-separated), else each TCP service's own port. */
    private NetDevice startGateway(MacAddress mac) throws java.io.IOException {
        String setting = platform.settings().get("forward");
        List<HostGateway.Forward> forwards = setting != null
                ? Arrays.stream(setting.split(",")).filter(f -> !f.isBlank()).map(HostGateway.Forward::parse).toList()
                : services.stream().filter(s -> s.protocol().equals("tcp")).map(s -> new HostGateway.Forward(s.port(), s.port()))
                        .toList();
        gateway = HostGateway.start(forwards, platform.random(), mac);
        for (HostGateway.Forward f : forwards) {
            System.getLogger(NetworkAssembly.class.getName()).log(System.Logger.Level.INFO,
                    "pith: localhost:" + gateway.hostPort(f.guestPort()) + " -> unikernel port " + f.guestPort());
        }
        return gateway.guestDevice();
    }

    /** Returns the host port forwarding to {@code guestPort}, when the host gateway is in use. */
    int hostPort(int guestPort) {
        return require(gateway, "host gateway").hostPort(guestPort);
    }

    private void stopNet() {
        if (iface != null) {
            iface.stop();
        }
        if (gateway != null) {
            gateway.close(); // closes the cable, its end included
        } else if (device != null) {
            device.close();
        }
    }

    private void startIpv4() {
        switch (plan.ipv4()) {
            case Ipv4.Static s -> iface.configure(s.address(), s.prefixLength(), s.gateway().orElse(null), s.dns());
            case Ipv4.Dhcp d -> {
                // Starts discovering and returns: services listen at once and are reachable once bound.
                dhcp = new DhcpClient(loop, iface, udp, platform.random(), DhcpSettings.defaults());
                dhcp.onBound(lease -> System.getLogger(NetworkAssembly.class.getName()).log(System.Logger.Level.INFO,
                        "pith: DHCP lease " + lease.address() + "/" + lease.prefixLength() + " from " + lease.server()));
                dhcp.start();
            }
        }
    }

    private void stopIpv4() {
        if (dhcp != null) {
            dhcp.stop();
        }
        iface.deconfigure();
    }

    private Component serviceComponent(String part, Plan whole) {
        Service service = whole.services().stream()
                .filter(s -> part.equals(s.protocol() + ":" + s.port()))
                .findFirst()
                .orElse(null);
        if (service == null) {
            return null;
        }
        Object[] handle = new Object[1];
        return component(part, () -> handle[0] = switch (service) {
            case Service.TcpListen l -> tcp.listen(l.port(), l.handler());
            case Service.TcpServe s -> tcp.serve(s.port(), s.handler());
            case Service.Udp u -> udp.bind(u.port(), u.handler());
            case Service.Http h -> HttpServer.start(loop, tcp, h.port(), h.routes(), h.settings());
        }, () -> {
            switch (handle[0]) {
                case TcpListener l -> l.close();
                case UdpSocket u -> u.close();
                case HttpServer h -> h.shutdown(HTTP_SHUTDOWN_GRACE);
                case null, default -> { }
            }
        });
    }

    private interface Action {
        void run() throws Exception;
    }

    private static Component component(String name, Action start, Runnable stop) {
        return new Component() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void start() throws Exception {
                start.run();
            }

            @Override
            public void stop() {
                stop.run();
            }
        };
    }
}
