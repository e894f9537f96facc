package dev.pith.net.wire;

/** Codes of the DHCP options the stack reads or writes (RFC 2132), for parameter request lists among others. */
public final class DhcpOption {

    /** Pad: one octet, no length (§3.1). */
    public static final int PAD = 0;
    /** Subnet Mask (§3.3). */
    public static final int SUBNET_MASK = 1;
    /** Router, one or more addresses in order of preference (§3.5). */
    public static final int ROUTER = 3;
    /** Domain Name Server, one or more addresses (§3.8). */
    public static final int DOMAIN_NAME_SERVER = 6;
    /** Host Name, NVT ASCII (§3.14). */
    public static final int HOST_NAME = 12;
    /** Requested IP Address (§9.1). */
    public static final int REQUESTED_IP_ADDRESS = 50;
    /** IP Address Lease Time, in seconds (§9.2). */
    public static final int IP_ADDRESS_LEASE_TIME = 51;
    /** Option Overload: options continue in sname or file (§9.3); refused by the stack. */
    public static final int OPTION_OVERLOAD = 52;
    /** DHCP Message Type (§9.6). */
    public static final int MESSAGE_TYPE = 53;
    /** Server Identifier (§9.7). */
    public static final int SERVER_IDENTIFIER = 54;
    /** Parameter Request List (§9.8). */
    public static final int PARAMETER_REQUEST_LIST = 55;
    /** Maximum DHCP Message Size (§9.10). */
    public static final int MAXIMUM_MESSAGE_SIZE = 57;
    /** Renewal (T1) Time Value, in seconds (§9.11). */
    public static final int RENEWAL_TIME = 58;
    /** Rebinding (T2) Time Value, in seconds (§9.12). */
    public static final int REBINDING_TIME = 59;
    /** Client-identifier: a type octet, then the identifier (§9.14). */
    public static final int CLIENT_IDENTIFIER = 61;
    /** End: the last option (§3.2). */
    public static final int END = 255;

    private DhcpOption() {}
}
