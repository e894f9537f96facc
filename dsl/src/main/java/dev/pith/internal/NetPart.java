package dev.pith.internal;

import dev.pith.core.Component;
import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.device.NetDevice;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.internal.iface.Interface;

/** The "net" part: opens the network device and runs the interface layer on it. */
public final class NetPart implements Component {

    private final EventLoop loop;
    private final RandomSource random;
    private final Source<NetDevice> source;
    private final InterfaceSettings settings;
    private NetDevice device;
    private Interface iface;

    public NetPart(EventLoop loop, RandomSource random, Source<NetDevice> source, InterfaceSettings settings) {
        this.loop = loop;
        this.random = random;
        this.source = source;
        this.settings = settings;
    }

    @Override
    public String name() {
        return "net";
    }

    @Override
    public void start() throws Exception {
        device = source.open();
        iface = new Interface(loop, device, random, settings);
        iface.start();
    }

    @Override
    public void stop() {
        if (iface != null) {
            iface.stop();
        }
        if (device != null) {
            try {
                source.close(device);
            } catch (Exception e) {
                System.getLogger(NetPart.class.getName()).log(System.Logger.Level.WARNING, "closing " + device, e);
            }
        }
    }

    /** Returns the interface, once started. */
    public Interface iface() {
        return iface;
    }
}
