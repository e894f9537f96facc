package dev.pith;

import dev.pith.net.InterfaceSettings;

/**
 * The first step of {@link Unikernel#builder(String)}: resources, disks, then a network — or
 * {@link #build()} for a unikernel without one.
 */
public interface UnikernelStep {

    /** Sets the guest memory in MiB (default 128). */
    UnikernelStep memoryMib(int memoryMib);

    /** Sets the number of virtual CPUs (default 1). */
    UnikernelStep cpus(int cpus);

    /** Adds options for the JVM, such as {@code -Xmx48m}. */
    UnikernelStep jvmOptions(String... options);

    /** Adds a disk. */
    UnikernelStep disk(Disk disk);

    /** Runs {@code task} once every part has started; its return value ends the unikernel. */
    UnikernelStep task(UnikernelTask task);

    /** Adds the network interface with {@link InterfaceSettings#defaults()}; the next step configures IPv4 on it. */
    NetworkStep network(Network network);

    /**
     * Adds the network interface with {@code settings} (ARP cache and queue, fragment reassembly
     * limits, ICMP error rate, 802.1Q VLAN id, receive batch), for example
     * {@code InterfaceSettings.defaults().withVlan(7)}; the next step configures IPv4 on it.
     */
    NetworkStep network(Network network, InterfaceSettings settings);

    /** Checks the composition and returns the unikernel; see {@link Unikernel#build}. */
    Unikernel build();
}
