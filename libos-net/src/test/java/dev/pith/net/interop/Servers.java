package dev.pith.net.interop;

import dev.pith.net.tcp.TcpConnection;
import dev.pith.net.tcp.TcpError;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/** Non-blocking Pith servers for the interop tests, and the data they move. */
final class Servers {

    /** 16 MiB: the size of every bulk transfer. */
    static final int BULK = 16 * 1024 * 1024;

    private Servers() {}

    /** An echo connection: whatever arrives goes back; the output closes after the peer's FIN. */
    static final class Echo implements TcpConnection.Listener {
        @Override
        public void onReadable(TcpConnection connection) {
            connection.pipeTo(connection);
        }

        @Override
        public void onWritable(TcpConnection connection) {
            connection.pipeTo(connection);
        }
    }

    /** What a sink received: the byte count and their SHA-256, or how it failed. */
    record Received(long bytes, String sha256, TcpError error) {}

    /**
     * A discard server that hashes what it takes; at end of stream it closes its side and completes
     * {@link #result}. Runs on the loop thread.
     */
    static final class Sink implements TcpConnection.Listener {
        final CompletableFuture<Received> result = new CompletableFuture<>();
        private final MessageDigest digest = sha256();
        private final ByteBuf buffer = Unpooled.buffer(64 * 1024);
        private long bytes;

        @Override
        public void onReadable(TcpConnection connection) {
            if (result.isDone()) {
                return; // closed already: what still arrives is discarded
            }
            int n;
            while ((n = connection.read(buffer.clear())) > 0) {
                digest.update(buffer.array(), buffer.arrayOffset() + buffer.readerIndex(), n);
                bytes += n;
            }
            if (n < 0 && !result.isDone()) {
                result.complete(new Received(bytes, hex(digest.digest()), null));
                connection.close();
                buffer.release();
            }
        }

        @Override
        public void onClosed(TcpConnection connection, TcpError error) {
            if (!result.isDone()) {
                result.complete(new Received(bytes, null, error));
                buffer.release();
            }
        }
    }

    /** Returns {@code size} pseudo-random bytes, the same for the same seed. */
    static byte[] data(int size, long seed) {
        byte[] data = new byte[size];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < size; i += 8) {
            long r = random.nextLong();
            for (int j = i; j < Math.min(i + 8, size); j++, r >>>= 8) {
                data[j] = (byte) r;
            }
        }
        return data;
    }

    /** Writes {@code data} to {@code file} and returns its SHA-256 in hex. */
    static String writeFile(Path file, byte[] data) throws IOException {
        Files.write(file, data);
        return sha256(data);
    }

    static String sha256(byte[] data) {
        return hex(sha256().digest(data));
    }

    /** Reads {@code input} to its end and returns the byte count and SHA-256. */
    static Received drain(InputStream input) throws IOException {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[64 * 1024];
        long bytes = 0;
        int n;
        while ((n = input.read(buffer)) >= 0) {
            digest.update(buffer, 0, n);
            bytes += n;
        }
        return new Received(bytes, hex(digest.digest()), null);
    }

    /** Writes {@code data} in 64 KiB pieces and flushes. */
    static void send(OutputStream output, byte[] data) throws IOException {
        for (int offset = 0; offset < data.length; offset += 64 * 1024) {
            output.write(data, offset, Math.min(64 * 1024, data.length - offset));
        }
        output.flush();
    }

    /** Returns the hash {@code sha256sum} printed first in {@code output}. */
    static String sha256sum(String output) {
        String hash = output.strip().split("\\s+")[0];
        if (!hash.matches("[0-9a-f]{64}")) {
            throw new AssertionError("not sha256sum output: " + output);
        }
        return hash;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
