package dev.pith.net.tcp;

/**
 * Counters of a TCP stack since it started.
 *
 * @param activeOpens connections this side opened
 * @param passiveOpens connections accepted by listeners
 * @param established connections now ESTABLISHED or CLOSE-WAIT
 * @param open connections in the table now, in any state
 * @param segmentsIn segments taken
 * @param segmentsOut segments sent
 * @param retransmits segments sent again after a timeout
 * @param fastRetransmits segments sent again after three duplicate ACKs
 * @param timeouts connections ended because the peer stopped answering
 * @param resetsSent resets sent
 * @param resetsReceived resets that ended a connection
 * @param challengeAcks RFC 5961 challenge ACKs sent
 * @param cookiesSent SYN-ACKs answered with a SYN cookie
 * @param cookiesAccepted connections created from a valid cookie
 */
public record TcpStats(long activeOpens, long passiveOpens, long established, long open, long segmentsIn, long segmentsOut,
        long retransmits, long fastRetransmits, long timeouts, long resetsSent, long resetsReceived, long challengeAcks,
        long cookiesSent, long cookiesAccepted) {}
