package dev.pith;

import dev.pith.core.Component;
import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.Supervisor;
import dev.pith.core.device.BlockDevice;
import dev.pith.core.device.NetDevice;
import dev.pith.internal.DhcpPart;
import dev.pith.internal.DiskPart;
import dev.pith.internal.NetPart;
import dev.pith.internal.ServicePart;
import dev.pith.internal.Source;
import dev.pith.internal.StaticIpv4Part;
import dev.pith.internal.PartsContext;
import dev.pith.internal.TaskPart;
import dev.pith.internal.TcpPart;
import dev.pith.internal.UdpPart;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a plan's parts by interpreting it: one {@link Component} per part, in start order, wired
 * with plain constructor calls. The image linker's generated boot class makes the same calls for
 * one plan, written out; here they are chosen at run time, for the hosted platform and for tests.
 */
final class Assembly {

    /** Where the devices come from: hosted stand-ins, or the guest's virtio devices. */
    interface Devices {
        /** Returns how to open the network device of {@code network}. */
        Source<NetDevice> network(Network network);

        /** Returns how to open {@code disk}. */
        Source<BlockDevice> disk(Disk disk);
    }

    final List<Component> components = new ArrayList<>();
    final Map<String, DiskPart> disks = new LinkedHashMap<>();
    TaskPart task;
    NetPart net;
    UdpPart udp;
    TcpPart tcp;

    Assembly(Plan plan, EventLoop loop, RandomSource random, Devices devices) {
        for (Plan.Part part : plan.parts()) {
            components.add(part(part.name(), plan, loop, random, devices));
        }
    }

    /** Gives the task part, if any, the supervisor it reports to. */
    void attach(Supervisor supervisor) {
        if (task != null) {
            task.attach(supervisor);
        }
    }

    private Component part(String name, Plan plan, EventLoop loop, RandomSource random, Devices devices) {
        if (name.equals("task")) {
            return task = new TaskPart(plan.task().orElseThrow(),
                    new PartsContext(loop, List.copyOf(disks.values()), net, tcp, udp));
        }
        if (name.startsWith("disk:")) {
            Disk disk = plan.disks().stream().filter(d -> name.equals("disk:" + d.name())).findFirst().orElseThrow();
            DiskPart part = new DiskPart(disk.name(), devices.disk(disk));
            disks.put(disk.name(), part);
            return part;
        }
        Plan.NetworkPlan network = plan.network().orElseThrow(
                () -> new IllegalStateException("part '" + name + "' needs a network, and the plan has none"));
        return switch (name) {
            case "net" -> net = new NetPart(loop, random, devices.network(network.device()), network.interfaceSettings());
            case "udp" -> udp = new UdpPart(net, random);
            case "ipv4" -> switch (network.ipv4()) {
                case Ipv4.Static s -> new StaticIpv4Part(net, s.address(), s.prefixLength(), s.gateway().orElse(null), s.dns());
                case Ipv4.Dhcp d -> new DhcpPart(loop, net, udp, random);
            };
            case "tcp" -> tcp = new TcpPart(loop, net, random, plan.network().orElseThrow().tcpSettings());
            default -> service(name, plan, loop);
        };
    }

    private Component service(String name, Plan plan, EventLoop loop) {
        Service service = plan.services().stream()
                .filter(s -> name.equals(s.protocol() + ":" + s.port()))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("part '" + name + "' has no implementation"));
        return switch (service) {
            case Service.TcpListen l -> new ServicePart.Listen(tcp, l.port(), l.handler());
            case Service.TcpServe s -> new ServicePart.Serve(tcp, s.port(), s.handler());
            case Service.Http h -> new ServicePart.Http(loop, tcp, h.port(), h.settings(), h.routes());
            case Service.Udp u -> new ServicePart.Udp(udp, u.port(), u.handler());
        };
    }
}
