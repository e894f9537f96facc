package dev.pith.testing;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.netty.util.ResourceLeakTracker;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Fails a test during which Netty's {@link ResourceLeakDetector} reported a leak: a reference
 * counted object (a {@code ByteBuf}) garbage-collected without its last {@code release()}.
 *
 * <pre>{@code
 * @ExtendWith(LeakDetection.class)
 * class MyTest {
 *     @Test void leaksOnPurpose(LeakDetection.Reports leaks) { ...; assertEquals(1, leaks.take().size()); }
 * }
 * }</pre>
 *
 * <p>How: the first time it runs, the extension installs a {@link ResourceLeakDetectorFactory}
 * that wraps the current one and sets a {@link ResourceLeakDetector.LeakListener} on every detector
 * it makes; that listener is Netty's hook for observing reports, called with the same text Netty
 * logs. Netty reports a leak only when the detector that tracked the object tracks another one
 * after the collector has found the leak, so after each test the extension runs the collector,
 * waits for reference processing, and makes every detector poll (tracking and closing a probe
 * object). Reports taken by the test through a {@link Reports} parameter are expected ones; any
 * other report fails the test with Netty's records (where the object was created and touched).
 *
 * <p>Limits, candidly: only detectors created after the extension first ran are observed, so
 * create pools in tests or {@code @BeforeEach}, not in static fields. It holds every detector it
 * saw for the life of the JVM (so leaks from a discarded pool still get reported), a few objects
 * per pool. A leak the collector misses after its own test is reported later and fails the test
 * running then; the records still name the allocation site. Reports are global, so tests using this
 * extension must not run in parallel. Netty reports only when its logger is enabled at ERROR, and
 * each detector reports identical records once.
 */
@SuppressWarnings("exports") // test sources compile into module dev.pith.core, which does not export JUnit
public final class LeakDetection implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

    /** One report: the resource type ("ByteBuf") and Netty's records, empty below advanced level. */
    public record Leak(String resourceType, String records) {}

    /** The leaks reported so far and not yet taken, for a test that leaks on purpose. */
    public static final class Reports {

        private Reports() {}

        /** Returns whether no report is waiting. */
        public boolean isEmpty() {
            return REPORTED.isEmpty();
        }

        /** Removes and returns the reports waiting, oldest first; taken reports do not fail the test. */
        public List<Leak> take() {
            List<Leak> taken = new ArrayList<>();
            for (Leak leak; (leak = REPORTED.poll()) != null; ) {
                taken.add(leak);
            }
            return taken;
        }
    }

    private static final Queue<Leak> REPORTED = new ConcurrentLinkedQueue<>();
    private static final List<ResourceLeakDetector<?>> DETECTORS = new CopyOnWriteArrayList<>();
    private static final Reports REPORTS = new Reports();
    private static boolean installed; // guarded by LeakDetection.class

    /** Made by JUnit for {@code @ExtendWith(LeakDetection.class)}. */
    public LeakDetection() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        install();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        collectGarbage();
        pollDetectors();
        List<Leak> leaks = REPORTS.take();
        if (!leaks.isEmpty()) {
            StringBuilder message = new StringBuilder()
                    .append("Netty reported ").append(leaks.size()).append(" leak(s) during ")
                    .append(context.getDisplayName()).append(':');
            for (Leak leak : leaks) {
                message.append("\n\n").append(leak.resourceType()).append(".release() was not called before it was garbage-collected.")
                        .append(leak.records().isEmpty() ? " (no records: run with -Dio.netty.leakDetection.level=paranoid)" : leak.records());
            }
            throw new AssertionError(message);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Reports.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return REPORTS;
    }

    private static synchronized void install() {
        if (installed) {
            return;
        }
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ListeningFactory(ResourceLeakDetectorFactory.instance()));
        installed = true;
    }

    /** Runs the collector and waits until the reference handler has enqueued what it cleared. */
    private static void collectGarbage() throws InterruptedException {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        for (int attempt = 0; attempt < 10; attempt++) {
            System.gc();
            if (queue.remove(100) != null) {
                break;
            }
        }
        Reference.reachabilityFence(sentinel); // an unreachable Reference is never enqueued
    }

    private static void pollDetectors() {
        for (ResourceLeakDetector<?> detector : DETECTORS) {
            poll(detector);
        }
    }

    /** Tracking makes a detector report what the collector found; closing the probe keeps it from being a leak itself. */
    @SuppressWarnings("unchecked")
    private static <T> void poll(ResourceLeakDetector<T> detector) {
        T probe = (T) new Object(); // the detector never looks at the type
        ResourceLeakTracker<T> tracker = detector.trackForcibly(probe);
        if (tracker != null) {
            tracker.close(probe);
        }
    }

    private static final class ListeningFactory extends ResourceLeakDetectorFactory {

        private final ResourceLeakDetectorFactory delegate;

        ListeningFactory(ResourceLeakDetectorFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return listen(delegate.newResourceLeakDetector(resource, samplingInterval));
        }

        @Override
        @Deprecated
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
            return listen(delegate.newResourceLeakDetector(resource, samplingInterval, maxActive));
        }

        private static <T> ResourceLeakDetector<T> listen(ResourceLeakDetector<T> detector) {
            detector.setLeakListener((resourceType, records) -> REPORTED.add(new Leak(resourceType, records)));
            DETECTORS.add(detector);
            return detector;
        }
    }
}
