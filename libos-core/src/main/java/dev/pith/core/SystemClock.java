package dev.pith.core;

/** {@link Clock#system()}: the JVM's monotonic clock. */
enum SystemClock implements Clock {
    INSTANCE;

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }
}
