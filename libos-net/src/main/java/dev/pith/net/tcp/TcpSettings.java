package dev.pith.net.tcp;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds, timers and options of a TCP stack. {@link #defaults()} suits a server; change one
 * value with the {@code with*} methods.
 *
 * @param maxConnections most connections in the table, TIME-WAIT included
 * @param backlog most half-open (SYN-RECEIVED) connections per listener; beyond it SYN cookies answer
 * @param synCookies whether to answer SYNs statelessly when a backlog is full (RFC 4987)
 * @param sendBuffer most bytes queued for sending per connection
 * @param receiveBuffer most bytes buffered for the application per connection (sets the window and its scale)
 * @param outOfOrderRanges most disjoint out-of-order ranges held per connection
 * @param delayedAck how long an acknowledgement may wait for more data (RFC 9293 §3.8.6.3 caps it at 500 ms)
 * @param initialRto the retransmission timeout before any RTT sample (RFC 6298: 1 s)
 * @param minRto the lowest retransmission timeout (RFC 6298 says 1 s; like Linux, 200 ms)
 * @param maxRto the highest retransmission timeout after backoff
 * @param maxRetransmissions retransmissions of one segment before the connection times out
 * @param synRetries SYN or SYN-ACK retransmissions before an opening connection times out
 * @param timeWait how long a closed connection lingers in TIME-WAIT (2 MSL)
 * @param keepAliveInterval time between keepalive probes once they start
 * @param keepAliveProbes unanswered keepalive probes before the connection times out
 * @param congestionControl "newreno" (RFC 5681, RFC 6582) or "cubic" (RFC 9438)
 * @param windowScaling whether to offer window scaling (RFC 7323)
 * @param timestamps whether to offer timestamps (RFC 7323)
 * @param sack whether to offer selective acknowledgements (RFC 2018)
 */
public record TcpSettings(int maxConnections, int backlog, boolean synCookies, int sendBuffer, int receiveBuffer,
        int outOfOrderRanges, Duration delayedAck, Duration initialRto, Duration minRto, Duration maxRto,
        int maxRetransmissions, int synRetries, Duration timeWait, Duration keepAliveInterval, int keepAliveProbes,
        String congestionControl, boolean windowScaling, boolean timestamps, boolean sack) {

    /** Largest buffer a connection may have: the window scale option tops out at 2^30 (RFC 7323 §2.3). */
    public static final int MAX_BUFFER = 1 << 30;

    public TcpSettings {
        positive("maxConnections", maxConnections);
        positive("backlog", backlog);
        if (sendBuffer < 1024 || sendBuffer > MAX_BUFFER || receiveBuffer < 1024 || receiveBuffer > MAX_BUFFER) {
            throw new IllegalArgumentException("buffers must be 1 KiB..1 GiB: send " + sendBuffer + ", receive " + receiveBuffer);
        }
        positive("outOfOrderRanges", outOfOrderRanges);
        positive("maxRetransmissions", maxRetransmissions);
        positive("synRetries", synRetries);
        positive("keepAliveProbes", keepAliveProbes);
        for (Duration d : new Duration[] {delayedAck, initialRto, minRto, maxRto, timeWait, keepAliveInterval}) {
            Objects.requireNonNull(d, "a duration is null");
            if (d.isNegative()) {
                throw new IllegalArgumentException("negative duration: " + d);
            }
        }
        if (delayedAck.compareTo(Duration.ofMillis(500)) > 0) {
            throw new IllegalArgumentException("delayedAck " + delayedAck + " > 500 ms (RFC 9293 §3.8.6.3)");
        }
        if (minRto.isZero() || minRto.compareTo(maxRto) > 0) {
            throw new IllegalArgumentException("want 0 < minRto <= maxRto: " + minRto + ", " + maxRto);
        }
        if (!congestionControl.equals("newreno") && !congestionControl.equals("cubic")) {
            throw new IllegalArgumentException("congestionControl must be \"newreno\" or \"cubic\": " + congestionControl);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " < 1: " + value);
        }
    }

    /**
     * Returns the defaults: 4096 connections, backlog 128 with SYN cookies, 256 KiB buffers, 32
     * out-of-order ranges, 40 ms delayed ACK, RTO 1 s initially and 200 ms..60 s, 12 retransmissions,
     * 5 SYN retries, TIME-WAIT 30 s, keepalive probes every 75 s (9 of them), CUBIC, and window
     * scaling, timestamps and SACK on.
     */
    public static TcpSettings defaults() {
        return new TcpSettings(4096, 128, true, 256 * 1024, 256 * 1024, 32, Duration.ofMillis(40),
                Duration.ofSeconds(1), Duration.ofMillis(200), Duration.ofSeconds(60), 12, 5, Duration.ofSeconds(30),
                Duration.ofSeconds(75), 9, "cubic", true, true, true);
    }

    /** Returns a copy with other buffer sizes. */
    public TcpSettings withBuffers(int sendBuffer, int receiveBuffer) {
        return new TcpSettings(maxConnections, backlog, synCookies, sendBuffer, receiveBuffer, outOfOrderRanges, delayedAck,
                initialRto, minRto, maxRto, maxRetransmissions, synRetries, timeWait, keepAliveInterval, keepAliveProbes,
                congestionControl, windowScaling, timestamps, sack);
    }

    /** Returns a copy with another connection limit and backlog. */
    public TcpSettings withLimits(int maxConnections, int backlog, boolean synCookies) {
        return new TcpSettings(maxConnections, backlog, synCookies, sendBuffer, receiveBuffer, outOfOrderRanges, delayedAck,
                initialRto, minRto, maxRto, maxRetransmissions, synRetries, timeWait, keepAliveInterval, keepAliveProbes,
                congestionControl, windowScaling, timestamps, sack);
    }

    /** Returns a copy with the RFC 7323 and RFC 2018 options on or off. */
    public TcpSettings withOptions(boolean windowScaling, boolean timestamps, boolean sack) {
        return new TcpSettings(maxConnections, backlog, synCookies, sendBuffer, receiveBuffer, outOfOrderRanges, delayedAck,
                initialRto, minRto, maxRto, maxRetransmissions, synRetries, timeWait, keepAliveInterval, keepAliveProbes,
                congestionControl, windowScaling, timestamps, sack);
    }

    /** Returns a copy with another congestion controller ("newreno" or "cubic"). */
    public TcpSettings withCongestionControl(String congestionControl) {
        return new TcpSettings(maxConnections, backlog, synCookies, sendBuffer, receiveBuffer, outOfOrderRanges, delayedAck,
                initialRto, minRto, maxRto, maxRetransmissions, synRetries, timeWait, keepAliveInterval, keepAliveProbes,
                congestionControl, windowScaling, timestamps, sack);
    }

    /** Returns a copy with another TIME-WAIT duration. */
    public TcpSettings withTimeWait(Duration timeWait) {
        return new TcpSettings(maxConnections, backlog, synCookies, sendBuffer, receiveBuffer, outOfOrderRanges, delayedAck,
                initialRto, minRto, maxRto, maxRetransmissions, synRetries, timeWait, keepAliveInterval, keepAliveProbes,
                congestionControl, windowScaling, timestamps, sack);
    }
}
