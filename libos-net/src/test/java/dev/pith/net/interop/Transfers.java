package dev.pith.net.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pith.net.Endpoint;
import dev.pith.net.tcp.BlockingTcpConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The 16 MiB transfers between a Pith client (blocking streams on a virtual thread) and an {@code nc}
 * server in the namespace, shared by the clean and the lossy tests. Each has a deadline; missing it
 * fails with how far the transfer got, Pith's counters and Linux's view of the socket ({@code ss -tni}).
 */
final class Transfers {

    static final int SEND_PORT = 5001;
    static final int RECEIVE_PORT = 5002;

    private Transfers() {}

    /**
     * Pith connects to {@code nc -l} and sends 16 MiB; nc writes them to a file whose SHA-256 must
     * match. Returns the milliseconds from connect to nc's exit.
     */
    static long pithSends(LinuxPeer linux, PithHost pith, Path dir, Duration deadline) throws Exception {
        byte[] data = Servers.data(Servers.BULK, 1);
        String expected = Servers.sha256(data);
        Path file = dir.resolve("received");
        LinuxPeer.Background nc = linux.startShell("exec nc -l " + linux.linuxAddress() + " " + SEND_PORT + " > " + file);
        linux.awaitListening(SEND_PORT, Duration.ofSeconds(5));

        long start = System.nanoTime();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        Thread.ofVirtual().name("pith-interop-sender").start(() -> {
            try (BlockingTcpConnection connection = pith.tcp().open(new Endpoint(linux.linuxAddress(), SEND_PORT),
                    Duration.ofSeconds(5))) {
                Servers.send(connection.output(), data);
                sent.complete(null);
            } catch (Throwable e) {
                sent.completeExceptionally(e);
            }
        });
        awaitTransfer(sent, deadline, () -> "nc has " + size(file) + " of " + Servers.BULK + " bytes", linux, pith);
        long remaining = Math.max(1, deadline.toMillis() - (System.nanoTime() - start) / 1_000_000);
        LinuxPeer.Result done;
        try {
            done = nc.await(Duration.ofMillis(remaining));
        } catch (AssertionError e) {
            throw new AssertionError("Pith sent everything but nc did not finish within " + deadline + ": nc has "
                    + size(file) + " of " + Servers.BULK + " bytes\n" + evidence(linux, pith), e);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, done.exitCode(), done.output() + "\n" + pith.describe());
        LinuxPeer.Result sum = linux.exec("sha256sum", file.toString()).assertSuccess();
        assertEquals(expected, Servers.sha256sum(sum.output()), "what nc wrote differs: " + size(file) + " bytes of "
                + Servers.BULK + "\n" + pith.describe());
        System.out.printf("Pith -> Linux: 16 MiB in %d ms%n", millis);
        return millis;
    }

    /**
     * Pith connects to {@code nc -N -l} serving a 16 MiB file and reads to the end of the stream; the
     * count and SHA-256 must match the file's. Returns the milliseconds from connect to end of stream.
     */
    static long pithReceives(LinuxPeer linux, PithHost pith, Path dir, Duration deadline) throws Exception {
        Path file = dir.resolve("served");
        String expected = Servers.writeFile(file, Servers.data(Servers.BULK, 2));
        LinuxPeer.Background nc = linux.startShell("exec nc -N -l " + linux.linuxAddress() + " " + RECEIVE_PORT + " < " + file);
        linux.awaitListening(RECEIVE_PORT, Duration.ofSeconds(5));

        long start = System.nanoTime();
        CompletableFuture<Servers.Received> received = new CompletableFuture<>();
        Thread.ofVirtual().name("pith-interop-receiver").start(() -> {
            try (BlockingTcpConnection connection = pith.tcp().open(new Endpoint(linux.linuxAddress(), RECEIVE_PORT),
                    Duration.ofSeconds(5))) {
                received.complete(Servers.drain(connection.input()));
            } catch (Throwable e) {
                received.completeExceptionally(e);
            }
        });
        Servers.Received result = awaitTransfer(received, deadline, () -> "(receiving)", linux, pith);
        long millis = (System.nanoTime() - start) / 1_000_000;
        LinuxPeer.Result done = nc.await(Duration.ofSeconds(5));
        assertEquals(0, done.exitCode(), done.output());
        assertEquals(Servers.BULK, result.bytes(), pith.describe());
        assertEquals(expected, result.sha256());
        System.out.printf("Linux -> Pith: 16 MiB in %d ms%n", millis);
        return millis;
    }

    private static <T> T awaitTransfer(CompletableFuture<T> transfer, Duration deadline, java.util.function.Supplier<String> progress,
                                       LinuxPeer linux, PithHost pith) throws InterruptedException {
        try {
            return transfer.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("transfer not done within " + deadline + "; " + progress.get() + "\n"
                    + evidence(linux, pith));
        } catch (ExecutionException e) {
            throw new AssertionError("transfer failed: " + e.getCause() + "\n" + evidence(linux, pith), e.getCause());
        }
    }

    private static String evidence(LinuxPeer linux, PithHost pith) {
        return "Pith:\n" + pith.describe() + "\nLinux (ss -tni):\n" + linux.exec("ss", "-tni").output();
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (Exception e) {
            return -1;
        }
    }
}
