package dev.pith.net.internal.dhcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pith.core.device.MacAddress;
import dev.pith.net.DhcpLease;
import dev.pith.net.DropReason;
import dev.pith.net.InterfaceSettings;
import dev.pith.net.Ipv4Address;
import dev.pith.net.Stacks;
import dev.pith.net.internal.dhcp.DhcpClient.State;
import dev.pith.net.internal.dhcp.RecordingDevice.Sent;
import dev.pith.net.internal.iface.Interface;
import dev.pith.net.internal.udp.UdpLayer;
import dev.pith.net.wire.DhcpRepr;
import dev.pith.testing.LeakDetection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The DHCP client against {@link TestDhcpServer} on an in-memory switch, on virtual time: the
 * server's stack is 10.0.0.1/24, the client's starts unconfigured.
 */
@ExtendWith(LeakDetection.class)
class DhcpClientTest {

    private static final long SEED = 2131;
    private static final long SECOND = 1_000_000_000L;
    private static final MacAddress CLIENT_MAC = MacAddress.local(50);
    private static final Ipv4Address SECOND_ADDRESS = Ipv4Address.of(10, 0, 0, 101);

    private Stacks stacks;
    private TestDhcpServer server;
    private RecordingDevice wire;
    private Interface iface;
    private UdpLayer udp;
    private DhcpClient client;
    private final List<DhcpLease> bound = new ArrayList<>();

    @BeforeEach
    void setUp() {
        stacks = new Stacks(SEED);
        server = new TestDhcpServer(stacks);
        wire = new RecordingDevice(stacks.fabric.port("client", CLIENT_MAC, 1500), stacks.loop);
        iface = new Interface(stacks.loop, wire, stacks.random, InterfaceSettings.defaults());
        udp = new UdpLayer(iface, stacks.random);
        iface.start();
        udp.start();
        client = newClient(DhcpSettings.defaults());
    }

    @AfterEach
    void tearDown() {
        client.stop();
        stacks.loop.runUntilIdle();
        iface.stop();
        server.stop();
        stacks.close();
        assertEquals(0, server.badFrames, "frames to port 67 with bad checksums");
        assertEquals(0, stacks.pool.outstanding(), "frames not released");
    }

    private DhcpClient newClient(DhcpSettings settings) {
        DhcpClient made = new DhcpClient(stacks.loop, iface, udp, stacks.random, settings);
        made.onBound(bound::add);
        return made;
    }

    private long now() {
        return stacks.clock.nanoTime();
    }

    private void advance(Duration by) {
        stacks.loop.advance(by);
    }

    /** Moves virtual time to the clock reading {@code at}. */
    private void advanceTo(long at) {
        stacks.loop.advance(Duration.ofNanos(at - now()));
    }

    private long rejected() {
        return iface.drops().get(DropReason.DHCP_REJECTED);
    }

    /** Starts the client and lets it through discovery and probing; returns the first DISCOVER's time. */
    private long bind() {
        long start = now();
        client.start();
        advance(Duration.ofSeconds(1));
        assertEquals(State.BOUND, client.state());
        return start;
    }

    // ------------------------------------------------------------------ acquiring a lease

    @Nested
    class Acquiring {

        @Test
        void discoverOfferRequestAckConfiguresTheInterface() {
            client = newClient(DhcpSettings.defaults().withHostName("pith"));
            long start = bind();

            DhcpLease lease = client.lease().orElseThrow();
            assertEquals(new DhcpLease(TestDhcpServer.FIRST, 24, Optional.of(TestDhcpServer.ROUTER), TestDhcpServer.DNS,
                    server.address(), Duration.ofSeconds(3600), Duration.ofSeconds(1800), Duration.ofSeconds(3150)), lease);
            assertEquals(List.of(lease), bound);
            assertEquals(Optional.of(TestDhcpServer.FIRST), iface.address());
            assertEquals(24, iface.prefixLength());
            assertEquals(Optional.of(TestDhcpServer.ROUTER), iface.gateway());
            assertEquals(TestDhcpServer.DNS, iface.dnsServers());

            // DISCOVER and REQUEST: broadcast from 0.0.0.0, one transaction, our client identifier and host name.
            assertEquals(List.of(DhcpRepr.DISCOVER, DhcpRepr.REQUEST), wire.dhcp.stream().map(Sent::type).toList());
            Sent discover = wire.dhcp.get(0);
            Sent request = wire.dhcp.get(1);
            List<Integer> clientIdentifier = List.of(1, 0x02, 0, 0, 0, 0, 50);
            for (Sent sent : wire.dhcp) {
                assertTrue(sent.broadcast(), sent.toString());
                assertEquals(Ipv4Address.ANY, sent.source());
                assertEquals(start, sent.at());
                assertFalse(sent.message().broadcast(), "BROADCAST flag: Pith takes unicast before configuration");
                assertEquals(CLIENT_MAC.bits(), sent.message().chaddr());
                assertEquals(clientIdentifier, sent.message().clientIdentifier());
                assertEquals(Optional.of("pith"), sent.message().hostName());
                assertTrue(sent.message().parameterRequestList().containsAll(List.of(1, 3, 6, 51, 58, 59)));
                assertEquals(1500, sent.message().maximumMessageSize());
            }
            assertEquals(discover.message().xid(), request.message().xid());
            assertEquals(Optional.of(TestDhcpServer.FIRST), request.message().requestedAddress());
            assertEquals(Optional.of(server.address()), request.message().serverIdentifier());
            assertEquals(Ipv4Address.ANY, request.message().ciaddr());

            // RFC 5227: two probes 100 ms apart, then the announcement once 200 ms passed quietly.
            List<RecordingDevice.Arp> probes = wire.probes();
            assertEquals(2, probes.size());
            assertEquals(start, probes.get(0).at());
            assertEquals(start + SECOND / 10, probes.get(1).at());
            for (RecordingDevice.Arp probe : probes) {
                assertEquals(TestDhcpServer.FIRST, probe.arp().targetProtocol());
                assertEquals(MacAddress.BROADCAST.bits(), probe.destinationMac());
            }
            RecordingDevice.Arp announcement = wire.arp.get(2);
            assertEquals(TestDhcpServer.FIRST, announcement.arp().senderProtocol());
            assertEquals(start + 3 * SECOND / 10, announcement.at());
            assertEquals(0, rejected());
        }

        @Test
        void configuredAddressWorks() {
            bind();
            Optional<?>[] reply = new Optional<?>[1];
            iface.ping(server.address(), Duration.ofSeconds(1), result -> reply[0] = result);
            advance(Duration.ofSeconds(1));
            assertTrue(reply[0].isPresent(), "no echo reply from the server");
        }

        @Test
        void broadcastRepliesAreTakenToo() {
            server.broadcastReplies = true;
            bind();
            assertEquals(Optional.of(TestDhcpServer.FIRST), iface.address());
        }

        @Test
        void withoutSubnetMaskThePrefixIsTheClasses() {
            server.subnetMask = Optional.empty();
            bind();
            assertEquals(8, client.lease().orElseThrow().prefixLength(), "10.0.0.100 is class A");
            assertEquals(8, iface.prefixLength());
        }

        @Test
        void withoutProbingTheAckBindsAtOnce() {
            client = newClient(DhcpSettings.defaults().withArpProbes(0, Duration.ZERO, Duration.ZERO));
            client.start();
            stacks.loop.runUntilIdle();
            assertEquals(State.BOUND, client.state());
            assertTrue(wire.probes().isEmpty());
        }

        @Test
        void silentServerGetsDiscoversWithExponentialBackoff() {
            server.silent = true;
            long start = now();
            client.start();
            advance(Duration.ofSeconds(400));

            List<Sent> discovers = wire.sent(DhcpRepr.DISCOVER);
            assertEquals(start, discovers.get(0).at());
            // RFC 2131 §4.1 doubling, from 1 s (not 4 s) to 64 s, each moved by at most ±1 s (±0.5 s for the first).
            long[] expected = {1, 2, 4, 8, 16, 32, 64, 64, 64};
            long[] gaps = new long[expected.length];
            for (int i = 0; i < expected.length; i++) {
                gaps[i] = discovers.get(i + 1).at() - discovers.get(i).at();
                long jitter = Math.min(SECOND, expected[i] * SECOND / 2);
                assertTrue(Math.abs(gaps[i] - expected[i] * SECOND) <= jitter,
                        "gap " + i + " is " + gaps[i] + " ns, want " + expected[i] + " s ± " + jitter + " ns");
            }
            assertTrue(Arrays.stream(gaps).anyMatch(gap -> gap % SECOND != 0), "no jitter: " + Arrays.toString(gaps));
            // Retransmissions keep the transaction; secs counts from its start.
            int xid = discovers.get(0).message().xid();
            assertTrue(discovers.stream().allMatch(d -> d.message().xid() == xid));
            assertEquals(0, discovers.get(0).message().secs());
            Sent last = discovers.getLast();
            assertEquals((last.at() - start) / SECOND, last.message().secs());
            assertEquals(State.SELECTING, client.state());
            assertTrue(iface.address().isEmpty());
        }

        @Test
        void unansweredRequestsSendDiscoveryBackToTheStart() {
            server.ignoreSelectingRequests = true;
            client.start();
            advance(Duration.ofSeconds(19)); // 4 REQUESTs after 1, 2, 4 s (± jitter), then 8 s (± 1 s) of waiting

            List<Sent> discovers = wire.sent(DhcpRepr.DISCOVER);
            assertEquals(2, discovers.size(), "a new DISCOVER after the last REQUEST's wait");
            Sent restart = discovers.get(1);
            List<Sent> requests = wire.sent(DhcpRepr.REQUEST);
            assertEquals(DhcpClient.REQUEST_TRIES, requests.stream().filter(r -> r.at() < restart.at()).count());
            long lastTry = requests.get(DhcpClient.REQUEST_TRIES - 1).at();
            assertTrue(restart.at() - lastTry >= 7 * SECOND && restart.at() - lastTry <= 9 * SECOND);
            assertNotEquals(discovers.get(0).message().xid(), restart.message().xid(), "a new exchange");
        }

        @Test
        void nakRestartsDiscoveryAfterAShortWaitThatDoubles() {
            server.nak = true;
            long start = now();
            client.start();
            advance(Duration.ofSeconds(4));

            List<Sent> discovers = wire.sent(DhcpRepr.DISCOVER);
            assertEquals(3, server.received(DhcpRepr.REQUEST).size());
            assertEquals(List.of(start, start + SECOND, start + 3 * SECOND), discovers.stream().map(Sent::at).toList());
            assertEquals(State.INIT, client.state());
            assertTrue(iface.address().isEmpty());

            server.nak = false;
            advance(Duration.ofSeconds(5));
            assertEquals(State.BOUND, client.state());
        }
    }

    // ------------------------------------------------------------------ conflicts

    @Nested
    class Probing {

        @Test
        void addressInUseIsDeclinedAndAnotherOneTakenTenSecondsLater() {
            // A host that owns 10.0.0.100 and defends it when probed (RFC 5227 §2.4); Pith's interface does
            // not answer probes itself, so the defence is its announcement.
            Stacks.Stack owner = stacks.add(100);
            owner.iface().watchArp((sender, senderMac, target) -> {
                if (sender == 0 && target == owner.address().bits()) {
                    owner.iface().announce();
                }
            });
            long start = now();
            client.start();
            advance(Duration.ofSeconds(1));

            assertEquals(State.INIT, client.state());
            assertTrue(iface.address().isEmpty(), "a conflicting address is never configured");
            List<Sent> declines = wire.sent(DhcpRepr.DECLINE);
            assertEquals(1, declines.size());
            DhcpRepr decline = declines.get(0).message();
            assertTrue(declines.get(0).broadcast());
            assertEquals(start, declines.get(0).at(), "declined on the first probe's answer");
            assertEquals(Optional.of(TestDhcpServer.FIRST), decline.requestedAddress());
            assertEquals(Optional.of(server.address()), decline.serverIdentifier());
            assertEquals(Ipv4Address.ANY, decline.ciaddr());
            assertTrue(decline.parameterRequestList().isEmpty() && decline.hostName().isEmpty());
            assertEquals(1, server.received(DhcpRepr.DECLINE).size());

            advanceTo(start + 10 * SECOND - 1);
            assertEquals(1, wire.sent(DhcpRepr.DISCOVER).size(), "RFC 2131 §3.1: wait at least 10 s");
            advance(Duration.ofSeconds(1));
            assertEquals(start + 10 * SECOND, wire.sent(DhcpRepr.DISCOVER).get(1).at());
            assertEquals(State.BOUND, client.state());
            assertEquals(Optional.of(SECOND_ADDRESS), iface.address());
        }

        @Test
        void anotherHostProbingForTheAddressIsAConflict() {
            // A host that wants 10.0.0.100 too, and probes for it as soon as it sees our probe.
            Stacks.Stack rival = stacks.add(7);
            rival.iface().watchArp((sender, senderMac, target) -> {
                if (sender == 0 && senderMac == CLIENT_MAC.bits()) {
                    rival.iface().sendArpProbe(target);
                }
            });
            client.start();
            advance(Duration.ofSeconds(1));
            assertEquals(1, wire.sent(DhcpRepr.DECLINE).size());
            assertEquals(State.INIT, client.state());
        }

        @Test
        void arpAboutOtherAddressesIsNoConflict() {
            Stacks.Stack neighbour = stacks.add(7);
            client.start();
            stacks.loop.schedule(Duration.ofMillis(50), () -> {
                assertEquals(State.PROBING, client.state());
                neighbour.iface().announce();
                neighbour.iface().sendArpProbe(SECOND_ADDRESS.bits());
            });
            advance(Duration.ofSeconds(1));
            assertEquals(State.BOUND, client.state());
            assertTrue(wire.sent(DhcpRepr.DECLINE).isEmpty());
        }
    }

    // ------------------------------------------------------------------ renewing, rebinding, expiry

    @Nested
    class Renewing {

        @Test
        void atT1AUnicastRequestToTheServerExtendsTheLease() {
            server.leaseSeconds = 100;
            long start = bind();
            long t1 = start + 50 * SECOND;

            advanceTo(t1 - 1);
            assertEquals(1, wire.sent(DhcpRepr.REQUEST).size());
            advanceTo(t1);
            List<Sent> requests = wire.sent(DhcpRepr.REQUEST);
            assertEquals(2, requests.size());
            Sent renewal = requests.get(1);
            assertEquals(t1, renewal.at());
            assertEquals(server.address(), renewal.destination(), "RFC 2131 §4.4.5: unicast to the server");
            assertEquals(TestDhcpServer.MAC.bits(), renewal.destinationMac());
            assertEquals(TestDhcpServer.FIRST, renewal.source());
            assertEquals(TestDhcpServer.FIRST, renewal.message().ciaddr());
            assertTrue(renewal.message().requestedAddress().isEmpty(), "RFC 2131 §4.3.2: no option 50 when renewing");
            assertTrue(renewal.message().serverIdentifier().isEmpty(), "RFC 2131 §4.3.2: no option 54 when renewing");
            assertNotEquals(requests.get(0).message().xid(), renewal.message().xid(), "a new exchange");

            assertEquals(State.BOUND, client.state());
            assertEquals(2, bound.size());
            // The renewed lease counts from the renewal: the next T1 is 50 s after it, past the first expiry.
            advanceTo(t1 + 50 * SECOND - 1);
            assertEquals(2, wire.sent(DhcpRepr.REQUEST).size());
            assertEquals(Optional.of(TestDhcpServer.FIRST), iface.address());
            advance(Duration.ofNanos(1));
            assertEquals(3, wire.sent(DhcpRepr.REQUEST).size());
        }

        @Test
        void t1AndT2ComeFromOptions58And59() {
            server.leaseSeconds = 60;
            server.renewalSeconds = 10;
            server.rebindingSeconds = 15;
            server.ignoreRenewals = true;
            long start = bind();
            DhcpLease lease = client.lease().orElseThrow();
            assertEquals(Duration.ofSeconds(10), lease.renewAfter());
            assertEquals(Duration.ofSeconds(15), lease.rebindAfter());

            advanceTo(start + 15 * SECOND);
            List<Sent> requests = wire.sent(DhcpRepr.REQUEST);
            assertEquals(List.of(start, start + 10 * SECOND, start + 15 * SECOND), requests.stream().map(Sent::at).toList());
            assertFalse(requests.get(1).broadcast());
            assertTrue(requests.get(2).broadcast());
            assertEquals(State.REBINDING, client.state());
        }

        @Test
        void atT2ABroadcastRequestRebindsWithAnyServer() {
            server.leaseSeconds = 100;
            server.ignoreRenewals = true;
            long start = bind();
            long t2 = start + 87_500_000_000L;

            advanceTo(t2 - 1);
            assertEquals(State.RENEWING, client.state());
            assertEquals(2, wire.sent(DhcpRepr.REQUEST).size(), "RFC 2131 §4.4.5: no retransmission sooner than 60 s");
            server.ignoreRenewals = false;
            advance(Duration.ofNanos(1));

            Sent rebinding = wire.sent(DhcpRepr.REQUEST).get(2);
            assertEquals(t2, rebinding.at());
            assertTrue(rebinding.broadcast(), "RFC 2131 §4.4.5: broadcast when rebinding");
            assertEquals(TestDhcpServer.FIRST, rebinding.source());
            assertEquals(TestDhcpServer.FIRST, rebinding.message().ciaddr());
            assertEquals(State.BOUND, client.state());
            assertEquals(2, bound.size());
            assertEquals(Optional.of(TestDhcpServer.FIRST), iface.address());
        }

        @Test
        void expiryDeconfiguresTheInterfaceAndStartsDiscoveryAtOnce() {
            server.leaseSeconds = 100;
            server.ignoreRenewals = true;
            long start = bind();
            long expiry = start + 100 * SECOND;

            advanceTo(expiry - 1);
            assertEquals(State.REBINDING, client.state());
            assertEquals(Optional.of(TestDhcpServer.FIRST), iface.address());
            advanceTo(expiry + SECOND / 20); // the server answers at once; the client is probing again
            assertEquals(State.PROBING, client.state());
            assertTrue(iface.address().isEmpty(), "RFC 2131 §4.4.5: stop using the address");
            assertTrue(client.lease().isEmpty());
            assertEquals(expiry, wire.sent(DhcpRepr.DISCOVER).get(1).at());
            advance(Duration.ofSeconds(1));
            assertEquals(State.BOUND, client.state());
            assertEquals(2, bound.size());
        }

        @Test
        void nakWhileRenewingDropsTheAddressAtOnce() {
            server.leaseSeconds = 100;
            long start = bind();
            server.nak = true;
            advanceTo(start + 50 * SECOND);
            assertEquals(State.INIT, client.state());
            assertTrue(iface.address().isEmpty());
            assertTrue(client.lease().isEmpty());
        }

        @Test
        void infiniteLeaseIsNeverRenewed() {
            server.leaseSeconds = DhcpRepr.INFINITE_LEASE;
            bind();
            assertTrue(client.lease().orElseThrow().isInfinite());
            advance(Duration.ofDays(30));
            assertEquals(State.BOUND, client.state());
            assertEquals(1, wire.sent(DhcpRepr.REQUEST).size());
        }

        @Test
        void veryShortLeasesAreStretchedToTheMinimum() {
            server.leaseSeconds = 2;
            bind();
            assertEquals(Duration.ofSeconds(DhcpClient.MIN_LEASE_SECONDS), client.lease().orElseThrow().leaseTime());
        }

        @Test
        void stopReleasesTheLeaseToTheServer() {
            bind();
            client.stop();
            stacks.loop.runUntilIdle();
            assertEquals(State.STOPPED, client.state());
            assertTrue(iface.address().isEmpty());
            List<Sent> releases = wire.sent(DhcpRepr.RELEASE);
            assertEquals(1, releases.size());
            assertEquals(server.address(), releases.get(0).destination());
            assertEquals(TestDhcpServer.FIRST, releases.get(0).source());
            DhcpRepr release = server.received(DhcpRepr.RELEASE).getFirst();
            assertEquals(TestDhcpServer.FIRST, release.ciaddr());
            assertEquals(Optional.of(server.address()), release.serverIdentifier());
            udp.bind(68, (s, source, payload) -> { }).close(); // port 68 is free again
        }
    }

    // ------------------------------------------------------------------ what is ignored

    @Nested
    class Ignoring {

        /** Starts with a silent server and returns the DISCOVER it got, to answer by hand. */
        private DhcpRepr discover() {
            server.silent = true;
            client.start();
            stacks.loop.runUntilIdle();
            return server.received(DhcpRepr.DISCOVER).getFirst();
        }

        private DhcpRepr offer(DhcpRepr discover) {
            return server.replyTo(discover, DhcpRepr.OFFER, TestDhcpServer.FIRST);
        }

        private void assertIgnored(DhcpRepr reply, long rejectedBefore) {
            server.broadcast(reply);
            stacks.loop.runUntilIdle();
            assertEquals(rejectedBefore + 1, rejected(), reply.toString());
            assertEquals(State.SELECTING, client.state());
        }

        @Test
        void repliesNotForUsOrNotFittingTheStateAreCounted() {
            DhcpRepr discover = discover();
            DhcpRepr offer = offer(discover);
            List<DhcpRepr> bad = List.of(
                    offer.newBuilder().xid(discover.xid() + 1).build(),                          // wrong xid
                    offer.newBuilder().chaddr(MacAddress.local(51).bits()).build(),              // wrong chaddr
                    offer.newBuilder().messageType(DhcpRepr.DISCOVER).build(),                    // a BOOTREQUEST
                    DhcpRepr.builder(DhcpRepr.OFFER, discover.xid(), discover.chaddr())           // no server identifier
                            .yiaddr(TestDhcpServer.FIRST).leaseTimeSeconds(60).build(),
                    offer.newBuilder().messageType(DhcpRepr.ACK).build(),                         // ACK in SELECTING
                    offer.newBuilder().messageType(DhcpRepr.NAK).build(),                         // NAK in SELECTING
                    offer.newBuilder().yiaddr(Ipv4Address.ANY).build(),
                    offer.newBuilder().yiaddr(Ipv4Address.BROADCAST).build(),
                    offer.newBuilder().yiaddr(Ipv4Address.of(127, 0, 0, 1)).build(),
                    offer.newBuilder().yiaddr(Ipv4Address.of(224, 0, 0, 1)).build(),
                    offer.newBuilder().yiaddr(Ipv4Address.of(240, 0, 0, 1)).build(),
                    offer.newBuilder().yiaddr(Ipv4Address.of(10, 0, 0, 0)).build(),               // the /24's network
                    offer.newBuilder().yiaddr(Ipv4Address.of(10, 0, 0, 255)).build());            // the /24's broadcast
            for (DhcpRepr reply : bad) {
                assertIgnored(reply, rejected());
            }
            assertEquals(bad.size(), rejected());
            assertTrue(wire.sent(DhcpRepr.REQUEST).isEmpty());

            server.broadcast(offer);
            stacks.loop.runUntilIdle();
            assertEquals(State.REQUESTING, client.state(), "the good offer is still taken");
            assertEquals(bad.size(), rejected());
        }

        @Test
        void malformedRepliesAreCountedAtEveryTruncation() {
            DhcpRepr discover = discover();
            byte[] offer = TestDhcpServer.bytes(offer(discover));
            int end = endOptionIndex(offer);
            for (int length = 0; length <= end; length++) {
                server.broadcastBytes(Arrays.copyOf(offer, length));
                stacks.loop.runUntilIdle();
                assertEquals(length + 1, rejected(), "truncated to " + length + " bytes");
            }
            byte[] badCookie = offer.clone();
            badCookie[236] ^= 1;
            byte[] noEnd = offer.clone();
            noEnd[end] = 0;
            byte[] badLength = offer.clone();
            badLength[241] = 2; // message type (53) of length 2
            byte[] badHlen = offer.clone();
            badHlen[2] = 16;
            for (byte[] bytes : List.of(badCookie, noEnd, badLength, badHlen)) {
                long before = rejected();
                server.broadcastBytes(bytes);
                stacks.loop.runUntilIdle();
                assertEquals(before + 1, rejected());
            }
            assertEquals(State.SELECTING, client.state());
            assertEquals(0, iface.internalErrors());

            server.broadcastBytes(offer);
            stacks.loop.runUntilIdle();
            assertEquals(State.REQUESTING, client.state(), "the whole message is fine");
        }

        @Test
        void anAckFromAnotherServerIsIgnored() {
            server.replyServerIdentifier = Ipv4Address.of(10, 0, 0, 9);
            client.start();
            advance(Duration.ofSeconds(10)); // 4 REQUESTs by 9.5 s; discovery restarts at 11.5 s at the earliest
            assertEquals(State.REQUESTING, client.state());
            assertEquals(DhcpClient.REQUEST_TRIES, server.received(DhcpRepr.REQUEST).size());
            assertEquals(DhcpClient.REQUEST_TRIES, rejected());
            assertTrue(iface.address().isEmpty());
        }

        @Test
        void lateDuplicatesAreIgnoredOnceBound() {
            server.broadcastReplies = true;
            bind();
            DhcpRepr request = server.received(DhcpRepr.REQUEST).getFirst();
            server.broadcast(server.replyTo(request, DhcpRepr.ACK, TestDhcpServer.FIRST));
            server.broadcast(server.replyTo(request, DhcpRepr.NAK, Ipv4Address.ANY));
            stacks.loop.runUntilIdle();
            assertEquals(2, rejected());
            assertEquals(State.BOUND, client.state());
            assertEquals(1, bound.size());
        }

        /** Returns the index of the End option, walking the options from byte 240. */
        private static int endOptionIndex(byte[] message) {
            int i = 240;
            while ((message[i] & 0xFF) != 255) {
                i += message[i] == 0 ? 1 : 2 + (message[i + 1] & 0xFF);
            }
            return i;
        }
    }

    // ------------------------------------------------------------------ pieces

    @Nested
    class Pieces {

        @Test
        void usableUnicastAddresses() {
            assertTrue(DhcpClient.isUsableUnicast(Ipv4Address.of(192, 168, 1, 1).bits(), 24));
            assertTrue(DhcpClient.isUsableUnicast(Ipv4Address.of(10, 0, 0, 0).bits(), 31), "RFC 3021");
            assertTrue(DhcpClient.isUsableUnicast(Ipv4Address.of(10, 0, 0, 255).bits(), 32));
            assertTrue(DhcpClient.isUsableUnicast(Ipv4Address.of(10, 0, 0, 255).bits(), 16));
            assertFalse(DhcpClient.isUsableUnicast(Ipv4Address.of(10, 0, 255, 255).bits(), 16));
            assertFalse(DhcpClient.isUsableUnicast(Ipv4Address.of(0, 1, 2, 3).bits(), 24));
            assertFalse(DhcpClient.isUsableUnicast(Ipv4Address.of(255, 255, 255, 255).bits(), 32));
        }

        @Test
        void prefixLengthFromTheMaskOrTheClass() {
            DhcpRepr.Builder ack = DhcpRepr.builder(DhcpRepr.ACK, 1, 2);
            assertEquals(20, DhcpClient.prefixLength(ack.yiaddr(Ipv4Address.of(10, 1, 2, 3))
                    .subnetMask(Ipv4Address.of(255, 255, 240, 0)).build()));
            assertEquals(8, DhcpClient.prefixLength(ack.subnetMask(Ipv4Address.of(255, 0, 255, 0)).build()),
                    "a non-contiguous mask is ignored");
            DhcpRepr.Builder noMask = DhcpRepr.builder(DhcpRepr.ACK, 1, 2);
            assertEquals(16, DhcpClient.prefixLength(noMask.yiaddr(Ipv4Address.of(172, 16, 0, 5)).build()));
            assertEquals(24, DhcpClient.prefixLength(noMask.yiaddr(Ipv4Address.of(192, 168, 0, 5)).build()));
        }

        @Test
        void settingsAreChecked() {
            DhcpSettings defaults = DhcpSettings.defaults();
            assertEquals(Duration.ofSeconds(1), defaults.initialRetransmission());
            assertEquals(2, defaults.arpProbes());
            assertThrows(IllegalArgumentException.class, () -> defaults.withHostName(""));
            assertThrows(IllegalArgumentException.class, () -> defaults.withHostName("tab\there"));
            assertThrows(IllegalArgumentException.class,
                    () -> defaults.withRetransmission(Duration.ofSeconds(8), Duration.ofSeconds(4), Duration.ZERO));
            assertThrows(IllegalArgumentException.class,
                    () -> defaults.withArpProbes(-1, Duration.ZERO, Duration.ZERO));
        }

        @Test
        void startTwiceIsRefused() {
            client.start();
            assertThrows(IllegalStateException.class, client::start);
        }
    }
}
