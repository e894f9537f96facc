package dev.pith.image.qemu;

import java.time.Duration;

/** A line the guest wrote to its serial console, and when it arrived, counted from QEMU's start. */
public record ConsoleLine(Duration at, String text) {
    @Override
    public String toString() {
        return String.format("[%7.3f] %s", at.toNanos() / 1e9, text);
    }
}
