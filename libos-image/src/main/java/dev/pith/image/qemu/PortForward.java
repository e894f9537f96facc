package dev.pith.image.qemu;

/**
 * A TCP port of the guest reachable from the host through QEMU's user networking
 * ({@code hostfwd=tcp:127.0.0.1:<hostPort>-:<guestPort>}). The host side binds to loopback only.
 */
public record PortForward(int hostPort, int guestPort) {
    /** Checks both ports. */
    public PortForward {
        if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
            throw new IllegalArgumentException("port out of 1..65535: host " + hostPort + ", guest " + guestPort);
        }
    }

    String hostfwd() {
        return "hostfwd=tcp:127.0.0.1:" + hostPort + "-:" + guestPort;
    }
}
