package dev.pith.net.tcp;

/** Why a TCP connection ended other than by an orderly close from both sides. */
public enum TcpError {
    /** The peer answered the connection request with a reset: nothing listens there. */
    REFUSED,
    /** The peer reset an established connection. */
    RESET,
    /** Retransmissions or keepalive probes went unanswered for too long, or a connect timed out. */
    TIMED_OUT,
    /** This side aborted the connection (an abortive close, or the stack stopping). */
    ABORTED,
    /** An ICMP destination-unreachable report ended a connection that was still opening. */
    UNREACHABLE
}
