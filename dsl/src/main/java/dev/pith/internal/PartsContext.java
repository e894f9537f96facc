package dev.pith.internal;

import dev.pith.TaskContext;
import dev.pith.block.BlockingDisk;
import dev.pith.core.EventLoop;
import dev.pith.net.NetInterface;
import dev.pith.net.tcp.Tcp;
import dev.pith.net.udp.Udp;
import java.util.List;
import java.util.NoSuchElementException;

/** A task's view of the parts, read once they have started. Parts the plan lacks are null. */
public final class PartsContext implements TaskContext {

    private final EventLoop loop;
    private final List<DiskPart> disks;
    private final NetPart net;
    private final TcpPart tcp;
    private final UdpPart udp;

    public PartsContext(EventLoop loop, List<DiskPart> disks, NetPart net, TcpPart tcp, UdpPart udp) {
        this.loop = loop;
        this.disks = List.copyOf(disks);
        this.net = net;
        this.tcp = tcp;
        this.udp = udp;
    }

    @Override
    public BlockingDisk disk(String name) {
        for (DiskPart disk : disks) {
            if (disk.diskName().equals(name)) {
                return new BlockingDisk(loop, disk.device());
            }
        }
        throw new NoSuchElementException("no disk named '" + name + "'; the plan has "
                + disks.stream().map(DiskPart::diskName).toList());
    }

    @Override
    public NetInterface network() {
        return present(net, "network").iface();
    }

    @Override
    public Tcp tcp() {
        return present(tcp, "tcp").tcp();
    }

    @Override
    public Udp udp() {
        return present(udp, "udp").udp();
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    private static <T> T present(T part, String name) {
        if (part == null) {
            throw new NoSuchElementException("the unikernel has no " + name + " part");
        }
        return part;
    }
}
