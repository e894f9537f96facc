package dev.pith.block.virtio;

import static dev.pith.block.virtio.VirtioBlkProtocol.HEADER_LENGTH;
import static dev.pith.block.virtio.VirtioBlkProtocol.ID_BYTES;
import static dev.pith.block.virtio.VirtioBlkProtocol.SECTOR_SIZE;
import static dev.pith.block.virtio.VirtioBlkProtocol.STATUS_LENGTH;
import static dev.pith.block.virtio.VirtioBlkProtocol.S_IOERR;
import static dev.pith.block.virtio.VirtioBlkProtocol.S_NOT_WRITTEN;
import static dev.pith.block.virtio.VirtioBlkProtocol.S_OK;
import static dev.pith.block.virtio.VirtioBlkProtocol.S_UNSUPP;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_GET_ID;
import static dev.pith.block.virtio.VirtioBlkProtocol.T_IN;

import dev.pith.core.buffer.DmaRegion;
import dev.pith.core.virtio.Virtqueue;
import dev.pith.core.virtio.VirtioException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.locks.LockSupport;

/**
 * The requests sent while a device is set up or probed, before it belongs to an event loop: one
 * at a time, waited for by polling the queue, with a deadline. GET_ID reads the serial that QEMU's
 * {@code -device virtio-blk-pci,serial=S} sets; a read of sector 0 finds an MBR's disk signature.
 */
final class SetupRequests {
    private SetupRequests() {}

    /** Scratch DMA memory for GET_ID: header at 0, the 20-byte ID at 16, status at 36. */
    static final int GET_ID_SCRATCH_BYTES = 64;
    /** Scratch DMA memory for reading sector 0: header, 512 bytes, status. */
    static final int SECTOR_SCRATCH_BYTES = 1024;

    /** Where an MBR keeps its 32-bit disk signature, and its 0x55 0xAA boot signature. */
    private static final int MBR_DISK_SIGNATURE = 440;
    private static final int MBR_BOOT_SIGNATURE = 510;

    private static final int DATA_OFFSET = HEADER_LENGTH;
    private static final VarHandle LE32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle LE64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final ValueLayout.OfInt LE32_UNALIGNED =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Reads the serial with GET_ID (§5.2.6): the ID string up to its first NUL (NUL-padded ASCII,
     * no NUL when 20 bytes long); "" if the device answers UNSUPP or IOERR (GET_ID is optional).
     *
     * @throws VirtioException if the device does not answer in time, breaks the queue, or answers
     *     without a valid status
     */
    static <T> String serial(String name, Virtqueue<T> queue, T token, DmaRegion scratch, Duration timeout)
            throws VirtioException {
        int status = run(name, queue, token, scratch, T_GET_ID, 0, ID_BYTES, timeout);
        if (status != S_OK) {
            return "";
        }
        byte[] id = scratch.memory().asSlice(DATA_OFFSET, ID_BYTES).toArray(ValueLayout.JAVA_BYTE);
        int length = 0;
        while (length < id.length && id[length] != 0) {
            length++;
        }
        return new String(id, 0, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * Reads sector 0 and returns its MBR disk signature (bytes 440–443), or empty if the sector
     * holds no MBR (no 0x55AA at 510) or cannot be read.
     */
    static <T> OptionalInt mbrSignature(String name, Virtqueue<T> queue, T token, DmaRegion scratch, Duration timeout)
            throws VirtioException {
        int status = run(name, queue, token, scratch, T_IN, 0, SECTOR_SIZE, timeout);
        MemorySegment sector = scratch.memory().asSlice(DATA_OFFSET, SECTOR_SIZE);
        if (status != S_OK || Byte.toUnsignedInt(sector.get(ValueLayout.JAVA_BYTE, MBR_BOOT_SIGNATURE)) != 0x55
                || Byte.toUnsignedInt(sector.get(ValueLayout.JAVA_BYTE, MBR_BOOT_SIGNATURE + 1)) != 0xaa) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(sector.get(LE32_UNALIGNED, MBR_DISK_SIGNATURE));
    }

    /**
     * Sends one request with {@code dataLength} device-writable data bytes on {@code queue}, which
     * must be live and empty, and waits up to {@code timeout}; returns its status, S_OK, S_IOERR or
     * S_UNSUPP.
     */
    private static <T> int run(String name, Virtqueue<T> queue, T token, DmaRegion scratch, int type, long sector,
            int dataLength, Duration timeout) throws VirtioException {
        MemorySegment memory = scratch.memory();
        long base = scratch.physicalAddress();
        int statusOffset = DATA_OFFSET + dataLength;
        memory.asSlice(0, statusOffset + STATUS_LENGTH).fill((byte) 0);
        LE32.set(memory, 0L, type); // reserved stays 0
        LE64.set(memory, 8L, sector);
        memory.set(ValueLayout.JAVA_BYTE, statusOffset, (byte) S_NOT_WRITTEN);
        int head = queue.addChain(new long[] {base, base + DATA_OFFSET, base + statusOffset},
                new int[] {HEADER_LENGTH, dataLength, STATUS_LENGTH}, 1, 3, token);
        if (head < 0) {
            throw new VirtioException(name + ": cannot expose the " + VirtioBlkProtocol.typeName(type) + " request: "
                    + queue);
        }
        queue.kick();
        int[] written = {-1};
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int spins = 0; ; spins++) {
            queue.poll((reaped, length) -> written[0] = length);
            if (queue.isBroken()) {
                throw new VirtioException(name + ": during " + VirtioBlkProtocol.typeName(type) + ": "
                        + queue.faultMessage());
            }
            if (written[0] >= 0) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new VirtioException(name + ": no answer to " + VirtioBlkProtocol.typeName(type) + " within "
                        + timeout.toMillis() + " ms");
            }
            if (spins > 1000) {
                LockSupport.parkNanos(20_000); // a device thread (QEMU's iothread) needs the CPU more than we do
            } else {
                Thread.onSpinWait();
            }
        }
        int status = Byte.toUnsignedInt(memory.get(ValueLayout.JAVA_BYTE, statusOffset));
        // A read's data must lie within the used length (§2.7.8.2); GET_ID's string may be shorter than 20 bytes.
        boolean covered = written[0] >= (status == S_OK && type == T_IN ? dataLength + STATUS_LENGTH : STATUS_LENGTH);
        if ((status != S_OK && status != S_IOERR && status != S_UNSUPP) || !covered) {
            throw new VirtioException(name + ": " + VirtioBlkProtocol.typeName(type) + " came back with status "
                    + status + (status == S_NOT_WRITTEN ? " (never written)" : "") + " and used length " + written[0]);
        }
        return status;
    }
}
