package dev.pith;

/** After {@link UnikernelStep#network}: a network interface needs an IPv4 configuration. */
public interface NetworkStep {

    /** Configures IPv4 (with ARP and ICMP) on the interface. */
    IpStep ipv4(Ipv4 ipv4);
}
