package dev.pith.core.platform;

import dev.pith.core.Clock;
import dev.pith.core.EventLoop;
import dev.pith.core.RandomSource;
import dev.pith.core.buffer.DirectBufferPool;
import dev.pith.core.buffer.PacketBufferPool;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The platform of a unikernel running inside an ordinary JVM, for development and tests: the
 * JVM's clock, a secure random source, direct memory for packets, {@code pith.*} system
 * properties as settings, and {@link Runtime#exit} as the way out.
 */
public final class HostedPlatform implements Platform {

    private final Clock clock;
    private final RandomSource random;
    private final Map<String, String> settings;

    /** Creates the platform of this JVM: system clock, secure randomness, settings from system properties. */
    public HostedPlatform() {
        this(Clock.system(), RandomSource.secure(), settingsFrom(System.getProperties()));
    }

    /** Creates a platform with the given clock, randomness and settings; tests use this for virtual time and seeds. */
    public HostedPlatform(Clock clock, RandomSource random, Map<String, String> settings) {
        this.clock = Objects.requireNonNull(clock, "clock == null");
        this.random = Objects.requireNonNull(random, "random == null");
        this.settings = Map.copyOf(settings);
    }

    /** Returns the {@code pith.*} entries of {@code properties}, without the prefix. */
    public static Map<String, String> settingsFrom(Properties properties) {
        Map<String, String> settings = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith("pith.")) {
                settings.put(name.substring("pith.".length()), properties.getProperty(name));
            }
        }
        return settings;
    }

    @Override
    public String name() {
        return "hosted";
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public RandomSource random() {
        return random;
    }

    @Override
    public EventLoop.Builder eventLoop() {
        // Hosted devices (TAP reader, switch, gateway) wake the loop themselves: no spinning needed.
        return EventLoop.builder().clock(clock);
    }

    @Override
    public PacketBufferPool packetBuffers(int bufferSize, int count) {
        return new DirectBufferPool(bufferSize, count);
    }

    @Override
    public Map<String, String> settings() {
        return settings;
    }

    @Override
    public void exit(int status) {
        Runtime.getRuntime().exit(status);
    }
}
