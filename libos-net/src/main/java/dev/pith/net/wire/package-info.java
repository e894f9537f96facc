/**
 * Wire formats: views over packet bytes and the values parsed from them, after smoltcp's
 * {@code src/wire}. The rest of the stack never computes an offset into a header itself.
 *
 * <h2>Views and representations</h2>
 * A view ({@link dev.pith.net.wire.EthernetFrame}, {@link dev.pith.net.wire.Ipv4Packet},
 * {@link dev.pith.net.wire.TcpPacket}, ...) is a {@code ByteBuf}, an offset and a length. Its
 * accessors read and its setters write fields in place with absolute {@code get}/{@code set}: they
 * never move the buffer's reader or writer index and never allocate. A view does not own its
 * buffer; whoever made it keeps the reference. Views are tiny final classes, so the JIT can
 * scalar-replace them: make one per packet and let it go. Offsets an accessor returns
 * ({@code payloadOffset()}) are buffer indexes, ready to wrap the next layer's view.
 *
 * <p>A representation ({@link dev.pith.net.wire.Ipv4Repr}, {@link dev.pith.net.wire.TcpRepr}, ...)
 * is a record of what the fields mean, validated: {@code XxxRepr.parse(view)} builds it,
 * {@code bufferLength()} says how many bytes it takes, {@code emit(view)} writes it. Its
 * constructor throws on values no packet can carry (a port above 65535): that is misuse, not input.
 *
 * <h2>Checked construction</h2>
 * <ul>
 *   <li>{@code XxxPacket.unchecked(buf, offset, length)} wraps without looking. The caller
 *       promises that {@code [offset, offset + length)} lies inside the buffer; the stack passes
 *       the received frame's bounds, then the bounds an outer view returned, so this holds by
 *       construction.
 *   <li>{@code checkLength()} returns null when every accessor is safe on this view, and
 *       otherwise the {@link dev.pith.net.DropReason} to count. It covers structure: lengths,
 *       length fields, header lengths, the IPv4 version. It never throws and never allocates,
 *       whatever the bytes; after it passes, no accessor throws.
 *   <li>{@code verifyChecksum(...)} is separate, since a device may have verified it already;
 *       false counts as {@code IPV4_BAD_CHECKSUM}, {@code UDP_BAD_CHECKSUM}, {@code TCP_BAD_CHECKSUM}
 *       or {@code ICMP_MALFORMED}. ({@code Ipv4Repr.parse} checks the IPv4 header's itself: no
 *       device does.)
 *   <li>{@code XxxRepr.parse(view)}, on a view that passed {@code checkLength()}, returns null only
 *       for the semantic refusals its Javadoc lists, all counted as the one {@code DropReason}
 *       named there ({@code TcpOptions.parse} returns false likewise). It never throws.
 *   <li>Emission never checks: the stack allocated the buffer, and stale bytes in it would make a
 *       check lie. {@code emit} cannot fail on a view of exactly {@code bufferLength()} bytes;
 *       fields the stack does not set (IPv4 flags, DHCP sname and file) are zeroed.
 * </ul>
 * There is no {@code checked(...)} factory: a method cannot return a view or a reason without
 * allocating one of them. The receive path therefore reads:
 * <pre>{@code
 * EthernetFrame frame = EthernetFrame.unchecked(buf, buf.readerIndex(), buf.readableBytes());
 * DropReason reason = frame.checkLength();
 * if (reason != null) return reason;
 * Ipv4Packet ip = Ipv4Packet.unchecked(buf, frame.payloadOffset(), frame.payloadLength());
 * if ((reason = ip.checkLength()) != null) return reason;
 * Ipv4Repr ipRepr = Ipv4Repr.parse(ip);
 * if (ipRepr == null) return DropReason.IPV4_BAD_CHECKSUM;
 * TcpPacket tcp = TcpPacket.unchecked(buf, ip.payloadOffset(), ip.payloadLength());
 * if ((reason = tcp.checkLength()) != null) return reason;
 * if (!tcp.verifyChecksum(ip.sourceBits(), ip.destinationBits())) return DropReason.TCP_BAD_CHECKSUM;
 * if (!options.parse(tcp)) return DropReason.TCP_MALFORMED;
 * }</pre>
 *
 * <h2>Supported</h2>
 * <ul>
 *   <li>Ethernet II. An 802.1Q tag shows as {@link dev.pith.net.wire.EtherType#VLAN} and is not
 *       parsed; no 802.3 length/LLC frames; no frame check sequence (devices strip it).
 *   <li>ARP for Ethernet and IPv4, requests and replies (RFC 826). No RARP, no InARP.
 *   <li>IPv4 (RFC 791): options are skipped on receipt and never sent; headers are emitted 20
 *       bytes long. Fragment fields are read from the view; {@code Ipv4Repr} describes a whole datagram.
 *   <li>ICMP (RFC 792): echo request and reply, destination unreachable and time exceeded, read and
 *       written. Redirect, timestamp, router discovery and the rest are left to the caller to ignore.
 *   <li>UDP (RFC 768), checksum optional on receipt. No UDP-Lite.
 *   <li>TCP (RFC 9293) with MSS, window scale and timestamps (RFC 7323), SACK-permitted and SACK
 *       (RFC 2018); other options are skipped. The urgent pointer is carried, never interpreted.
 *   <li>DHCP (RFC 2131, RFC 2132): the options {@link dev.pith.net.wire.DhcpRepr} lists. Option
 *       Overload, RFC 3396 long (split) options and the sname and file fields are not supported.
 *   <li>Not at all: IPv6, IGMP, IPsec, jumbo frames beyond what a {@code ByteBuf} holds.
 * </ul>
 */
package dev.pith.net.wire;
