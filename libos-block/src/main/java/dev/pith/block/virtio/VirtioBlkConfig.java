package dev.pith.block.virtio;

import static dev.pith.block.virtio.VirtioBlkProtocol.CONFIG_BLK_SIZE;
import static dev.pith.block.virtio.VirtioBlkProtocol.CONFIG_CAPACITY;
import static dev.pith.block.virtio.VirtioBlkProtocol.CONFIG_SEG_MAX;
import static dev.pith.block.virtio.VirtioBlkProtocol.CONFIG_SIZE_MAX;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_BLK_SIZE;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_SEG_MAX;
import static dev.pith.block.virtio.VirtioBlkProtocol.F_SIZE_MAX;

import dev.pith.core.virtio.Registers;
import dev.pith.core.virtio.VirtioException;
import dev.pith.core.virtio.VirtioPciTransport;

/**
 * The fields of struct virtio_blk_config (virtio 1.2 §5.2.4) this driver uses, as the device
 * reported them; a field whose feature was not negotiated reads as 0.
 *
 * @param capacity the disk's size in 512-byte sectors, always present
 * @param sizeMax the largest data segment in bytes (VIRTIO_BLK_F_SIZE_MAX), 0 if not given
 * @param segMax the most data segments per request (VIRTIO_BLK_F_SEG_MAX), 0 if not given
 * @param blkSize the logical block size in bytes (VIRTIO_BLK_F_BLK_SIZE), 0 if not given
 */
record VirtioBlkConfig(long capacity, long sizeMax, long segMax, long blkSize) {

    /** Reads the configuration after feature negotiation (§3.1.1 step 7), consistently across config_generation. */
    static VirtioBlkConfig read(VirtioPciTransport transport) throws VirtioException {
        Registers registers = transport.deviceConfig();
        boolean sizeMax = transport.hasFeature(F_SIZE_MAX);
        boolean segMax = transport.hasFeature(F_SEG_MAX);
        boolean blkSize = transport.hasFeature(F_BLK_SIZE);
        long needed = blkSize ? CONFIG_BLK_SIZE + 4 : segMax ? CONFIG_SEG_MAX + 4 : sizeMax ? CONFIG_SIZE_MAX + 4 : 8;
        if (registers.size() < needed) {
            throw new VirtioException(transport.name() + ": the virtio-blk configuration is " + registers.size()
                    + " bytes, too short for the fields of the negotiated features (" + needed + " bytes)");
        }
        return transport.readDeviceConfig(config -> new VirtioBlkConfig(
                config.read64(CONFIG_CAPACITY),
                sizeMax ? Integer.toUnsignedLong(config.read32(CONFIG_SIZE_MAX)) : 0,
                segMax ? Integer.toUnsignedLong(config.read32(CONFIG_SEG_MAX)) : 0,
                blkSize ? Integer.toUnsignedLong(config.read32(CONFIG_BLK_SIZE)) : 0));
    }
}
