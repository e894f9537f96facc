package dev.pith.net.wire;

/** EtherType values of the Ethernet II type field (IEEE 802.3 §3.2.6, IANA "IEEE 802 Numbers"). */
public final class EtherType {

    /** Internet Protocol version 4 (RFC 894). */
    public static final int IPV4 = 0x0800;
    /** Address Resolution Protocol (RFC 826). */
    public static final int ARP = 0x0806;
    /** An IEEE 802.1Q VLAN tag; the real EtherType follows the tag. */
    public static final int VLAN = 0x8100;
    /** Internet Protocol version 6 (RFC 2464); recognised only to be dropped. */
    public static final int IPV6 = 0x86DD;

    private EtherType() {}
}
