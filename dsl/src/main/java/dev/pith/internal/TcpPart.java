package dev.pith.internal;

import dev.pith.core.Component;
import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.net.internal.tcp.TcpLayer;
import dev.pith.net.tcp.TcpSettings;

/** The "tcp" part: TCP on the interface. */
public final class TcpPart implements Component {

    private final EventLoop loop;
    private final NetPart net;
    private final RandomSource random;
    private final TcpSettings settings;
    private TcpLayer tcp;

    public TcpPart(EventLoop loop, NetPart net, RandomSource random, TcpSettings settings) {
        this.loop = loop;
        this.net = net;
        this.random = random;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public void start() {
        tcp = new TcpLayer(loop, net.iface(), random, settings);
        tcp.start();
    }

    @Override
    public void stop() {
        if (tcp != null) {
            tcp.stop();
        }
    }

    /** Returns TCP, once started. */
    public TcpLayer tcp() {
        return tcp;
    }
}
