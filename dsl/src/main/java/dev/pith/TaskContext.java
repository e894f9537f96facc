package dev.pith;

import dev.pith.block.BlockingDisk;
import dev.pith.core.EventLoop;
import dev.pith.net.NetInterface;
import dev.pith.net.tcp.Tcp;
import dev.pith.net.udp.Udp;

/** What a {@link UnikernelTask} reaches: the unikernel's disks and network, from its virtual thread. */
public interface TaskContext {

    /** Returns the disk named {@code name}, for blocking reads and writes. */
    BlockingDisk disk(String name);

    /** Returns the network interface (use it on the loop: {@code loop().execute(...)}). */
    NetInterface network();

    /** Returns TCP; {@link Tcp#open} works from the task's thread. */
    Tcp tcp();

    /** Returns UDP (use it on the loop). */
    Udp udp();

    /** Returns the event loop, to hand it work. */
    EventLoop loop();
}
