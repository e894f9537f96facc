package dev.pith.net;

import java.util.Objects;

/**
 * One end of a UDP or TCP flow: an address and a port.
 *
 * @param address the IPv4 address
 * @param port the port, 0..65535 (0 means "any" when binding)
 */
public record Endpoint(Ipv4Address address, int port) {

    public Endpoint {
        Objects.requireNonNull(address, "address == null");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
    }

    /** Parses {@code 10.0.2.15:8080}. */
    public static Endpoint parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("not an endpoint (want address:port like 10.0.2.15:8080): '" + text + "'");
        }
        String port = text.substring(colon + 1);
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not an endpoint (bad port '" + port + "'): '" + text + "'");
        }
        return new Endpoint(Ipv4Address.parse(text.substring(0, colon)), Integer.parseInt(port));
    }

    @Override
    public String toString() {
        return address + ":" + port;
    }
}
