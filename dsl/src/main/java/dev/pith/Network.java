package dev.pith;

import dev.pith.core.device.NetDevice;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The network interface a unikernel uses. In an image that is a virtio-net device driven by
 * Pith's own driver; when the same application runs hosted, {@link #virtio()} is replaced by the
 * hosted platform's default (a host gateway that needs no privileges), and the hosted-only kinds
 * below can be named explicitly.
 */
public sealed interface Network {

    /** Returns the first virtio-net device of the virtual machine. */
    static Network virtio() {
        return new Virtio(0);
    }

    /** Returns the {@code index}-th virtio-net device (0-based, in PCI order). */
    static Network virtio(int index) {
        return new Virtio(index);
    }

    /** Returns a Linux TAP interface of the host, created if missing (hosted only; needs CAP_NET_ADMIN). */
    static Network tap(String interfaceName) {
        return new Tap(interfaceName);
    }

    /**
     * Returns the host gateway (hosted only, no privileges): each TCP port the unikernel listens
     * on is also opened on the host's loopback, and every host connection is carried into the
     * unikernel's own TCP/IP stack.
     */
    static Network hostGateway() {
        return new HostGateway();
    }

    /**
     * Returns a device the caller creates, such as a port of an in-memory switch in a test
     * (hosted only). {@code description} names it in the plan.
     */
    static Network device(String description, Supplier<? extends NetDevice> device) {
        return new Provided(description, device);
    }

    /**
     * A virtio-net device.
     *
     * @param index position among the machine's virtio-net devices, from 0
     */
    record Virtio(int index) implements Network {
        public Virtio {
            if (index < 0) {
                throw new IllegalArgumentException("virtio-net index < 0: " + index);
            }
        }

        @Override
        public String toString() {
            return "virtio-net #" + index;
        }
    }

    /**
     * A TAP interface of the host.
     *
     * @param interfaceName the Linux interface name, at most 15 characters
     */
    record Tap(String interfaceName) implements Network {
        public Tap {
            Objects.requireNonNull(interfaceName, "interfaceName == null");
            if (interfaceName.isEmpty() || interfaceName.length() > 15 || !interfaceName.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException("not a Linux interface name (1-15 characters of letters, digits, '_', '.', '-'): '"
                        + interfaceName + "'");
            }
        }

        @Override
        public String toString() {
            return "tap " + interfaceName;
        }
    }

    /** The no-privilege host gateway. */
    record HostGateway() implements Network {
        @Override
        public String toString() {
            return "host gateway";
        }
    }

    /**
     * A device made by the application.
     *
     * @param description what it is, for the plan
     * @param device creates the device when the unikernel starts
     */
    record Provided(String description, Supplier<? extends NetDevice> device) implements Network {
        public Provided {
            Objects.requireNonNull(description, "description == null");
            Objects.requireNonNull(device, "device == null");
        }

        @Override
        public String toString() {
            return description;
        }
    }
}
