package dev.pith.internal;

import dev.pith.core.Component;
import dev.pith.core.device.BlockDevice;

/** A "disk:NAME" part: opens the disk at start, closes it at stop. */
public final class DiskPart implements Component {

    private final String name;
    private final Source<BlockDevice> source;
    private BlockDevice device;

    public DiskPart(String name, Source<BlockDevice> source) {
        this.name = name;
        this.source = source;
    }

    @Override
    public String name() {
        return "disk:" + name;
    }

    /** Returns the disk's name in the plan. */
    public String diskName() {
        return name;
    }

    @Override
    public void start() throws Exception {
        device = source.open();
    }

    @Override
    public void stop() {
        if (device != null) {
            try {
                source.close(device);
            } catch (Exception e) {
                System.getLogger(DiskPart.class.getName()).log(System.Logger.Level.WARNING, "closing " + device, e);
            }
        }
    }

    /** Returns the disk, once started. */
    public BlockDevice device() {
        return device;
    }
}
