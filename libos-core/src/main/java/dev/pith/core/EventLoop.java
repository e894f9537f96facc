package dev.pith.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The single-threaded, run-to-completion loop a unikernel runs on: one per unikernel, owning
 * its devices, protocol state and timers, so none of them needs a lock.
 *
 * <p>Each turn drains tasks handed over by other threads, runs tasks queued by the loop itself,
 * polls every registered {@link Pollable} once, and fires the timers that are due. A turn that
 * finds nothing to do spins for the configured {@linkplain Builder#spin spin time}, then parks
 * the thread until the next timer deadline, a {@link #wakeup()}, or the
 * {@linkplain Builder#maxPark longest park}: an idle unikernel does not burn a core.
 *
 * <pre>{@code
 * EventLoop loop = EventLoop.builder().build();
 * loop.start("pith-loop");
 * loop.execute(() -> loop.schedule(Duration.ofMillis(10), () -> System.out.println("tick")));
 * ...
 * loop.stop();
 * }</pre>
 *
 * <p>Tests drive a loop without its thread: {@link #runOnce()}, {@link #runUntilIdle()}, and on
 * a {@link ManualClock}, {@link #advance(Duration)}, which fires timers at their exact deadlines.
 *
 * <p>Thread rules: {@link #execute}, {@link #wakeup()}, {@link #stop()} and the read-only
 * accessors may be called from any thread (virtual threads running blocking application code hand
 * work to the loop through {@link #execute}). Everything else belongs to the loop thread, or,
 * before {@link #start}, to the thread that drives the loop by hand.
 */
public final class EventLoop implements Executor {

    /** Default bound of each task queue (the loop's own and the cross-thread inbox). */
    public static final int DEFAULT_TASK_CAPACITY = 65_536;
    /** Default bound on armed timers. */
    public static final int DEFAULT_TIMER_CAPACITY = 1 << 20;
    /** Turns {@link #runUntilIdle()} allows before it declares the loop livelocked. */
    static final int MAX_TURNS_UNTIL_IDLE = 1_000_000;

    private static final VarHandle WAKEUP_PENDING;

    static {
        try {
            WAKEUP_PENDING = MethodHandles.lookup().findVarHandle(EventLoop.class, "wakeupPending", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Clock clock;
    private final int taskCapacity;
    private final long spinNanos;
    private final long maxParkNanos;
    private final Consumer<Throwable> errorHandler;
    private final TimerQueue timers;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxSize = new AtomicInteger();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private Pollable[] pollables = new Pollable[0];

    /** Set by {@link #wakeup()}, cleared at the start of each turn: saves unpark calls when the loop is busy. */
    @SuppressWarnings("unused") // accessed through WAKEUP_PENDING
    private volatile boolean wakeupPending;
    private volatile Thread thread;
    private volatile boolean stopRequested;

    // Statistics, written by the loop thread only.
    private volatile long turns;
    private volatile long parks;
    private volatile long errors;

    private EventLoop(Builder builder) {
        this.clock = builder.clock;
        this.taskCapacity = builder.taskCapacity;
        this.spinNanos = builder.spin.toNanos();
        this.maxParkNanos = builder.maxPark.toNanos();
        this.errorHandler = builder.errorHandler;
        this.timers = new TimerQueue(builder.timerCapacity);
    }

    /** Returns a builder with the defaults: system clock, no spinning, park until the next deadline. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the loop's clock. */
    public Clock clock() {
        return clock;
    }

    /** Returns the loop clock's current reading in nanoseconds. */
    public long now() {
        return clock.nanoTime();
    }

    /** Returns whether the calling thread may use the loop's single-threaded operations. */
    public boolean inLoop() {
        Thread t = thread;
        return t == null || t == Thread.currentThread();
    }

    // ---------------------------------------------------------------- tasks

    /**
     * Queues {@code task} to run on the loop, in order with the other tasks queued by the same
     * thread. Callable from any thread.
     *
     * @throws RejectedExecutionException when the loop has stopped or the queue holds
     *     {@linkplain Builder#taskCapacity its bound} of tasks
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task == null");
        if (stopRequested) {
            throw new RejectedExecutionException("the event loop has stopped");
        }
        if (thread == Thread.currentThread()) {
            if (tasks.size() >= taskCapacity) {
                throw new RejectedExecutionException("event loop task queue full: " + taskCapacity + " tasks");
            }
            tasks.add(task);
            return;
        }
        if (inboxSize.incrementAndGet() > taskCapacity) {
            inboxSize.decrementAndGet();
            throw new RejectedExecutionException("event loop inbox full: " + taskCapacity + " tasks");
        }
        inbox.add(task);
        wakeup();
    }

    /** Wakes the loop if it is parked, so that it takes a turn soon. Callable from any thread. */
    public void wakeup() {
        if (!wakeupPending && WAKEUP_PENDING.compareAndSet(this, false, true)) {
            Thread t = thread;
            if (t != null && t != Thread.currentThread()) {
                LockSupport.unpark(t);
            }
        }
    }

    // ---------------------------------------------------------------- timers and pollables

    /** Creates an unarmed timer that runs {@code action} on the loop when it fires. */
    public Timer timer(Runnable action) {
        return new Timer(this, Objects.requireNonNull(action, "action == null"));
    }

    /** Arms a new timer that runs {@code action} once, {@code delay} from now; returns it so it can be cancelled. */
    public Timer schedule(Duration delay, Runnable action) {
        Timer timer = timer(action);
        timer.scheduleAfter(delay);
        return timer;
    }

    /** Returns the earliest armed deadline, or {@link Long#MAX_VALUE} if no timer is armed. */
    public long nextTimerDeadline() {
        return timers.nextDeadline();
    }

    TimerQueue timers() {
        checkInLoop();
        return timers;
    }

    /** Adds {@code pollable} to the sources polled on each turn. */
    public void register(Pollable pollable) {
        checkInLoop();
        Objects.requireNonNull(pollable, "pollable == null");
        pollables = Arrays.copyOf(pollables, pollables.length + 1);
        pollables[pollables.length - 1] = pollable;
    }

    /** Removes {@code pollable}; does nothing if it is not registered. */
    public void unregister(Pollable pollable) {
        checkInLoop();
        Pollable[] kept = Arrays.stream(pollables).filter(p -> p != pollable).toArray(Pollable[]::new);
        pollables = kept;
    }

    // ---------------------------------------------------------------- driving the loop

    /**
     * Takes one turn without waiting: inbox, tasks, pollables, due timers.
     *
     * @return the amount of work done; 0 means the loop found nothing ready
     */
    public int runOnce() {
        checkInLoop();
        if (wakeupPending) {
            // Clear before looking for work: a wake-up that arrives after this is kept (and the
            // thread's park permit with it), so the loop cannot sleep through it.
            WAKEUP_PENDING.getAndSet(this, false);
        }
        int work = drainInbox() + runTasks();
        for (Pollable pollable : pollables) {
            try {
                work += pollable.poll();
            } catch (Throwable failure) {
                reportError(failure);
            }
        }
        work += timers.runExpired(clock.nanoTime(), this);
        turns++;
        return work;
    }

    /**
     * Takes turns until one finds nothing to do; does not wait for timers that are not yet due.
     *
     * @throws IllegalStateException if the loop is still busy after a million turns (a livelock)
     */
    public void runUntilIdle() {
        for (int i = 0; i < MAX_TURNS_UNTIL_IDLE; i++) {
            if (runOnce() == 0) {
                return;
            }
        }
        throw new IllegalStateException("event loop still busy after " + MAX_TURNS_UNTIL_IDLE + " turns: livelock?");
    }

    /**
     * Moves virtual time forward by {@code delta}, stopping at each timer deadline on the way so
     * that every timer fires at its exact deadline and in deadline order. Needs a loop built on a
     * {@link ManualClock} and driven by hand.
     */
    public void advance(Duration delta) {
        if (!(clock instanceof ManualClock manual)) {
            throw new IllegalStateException("advance() needs a ManualClock; this loop runs on " + clock);
        }
        if (thread != null) {
            throw new IllegalStateException("advance() drives the loop by hand; this loop runs on " + thread.getName());
        }
        long target = Math.addExact(manual.nanoTime(), delta.toNanos());
        runUntilIdle();
        long next;
        while ((next = timers.nextDeadline()) <= target) {
            manual.set(Math.max(next, manual.nanoTime()));
            runUntilIdle();
        }
        manual.set(target);
        runUntilIdle();
    }

    /**
     * Starts the loop on a new platform thread named {@code threadName} and returns.
     *
     * @throws IllegalStateException if the loop was already started
     */
    public void start(String threadName) {
        Thread t = Thread.ofPlatform().name(threadName).unstarted(this::run);
        claim(t);
        t.start();
    }

    /** Runs the loop on the calling thread until {@link #stop()}; the guest's main thread does this. */
    public void runOnCurrentThread() {
        claim(Thread.currentThread());
        run();
    }

    private synchronized void claim(Thread t) {
        if (thread != null || terminated.getCount() == 0) {
            throw new IllegalStateException("the event loop was already started");
        }
        thread = t;
    }

    private void run() {
        try {
            long idleSince = -1;
            while (!stopRequested) {
                if (runOnce() > 0) {
                    idleSince = -1;
                    continue;
                }
                long now = clock.nanoTime();
                if (idleSince < 0) {
                    idleSince = now;
                }
                if (now - idleSince < spinNanos) {
                    Thread.onSpinWait();
                } else {
                    park(now);
                }
            }
        } finally {
            terminated.countDown();
        }
    }

    private void park(long now) {
        long deadline = timers.nextDeadline();
        // nanoTime() may be negative, so compare before subtracting from the "no timer" sentinel.
        long wait = deadline == Long.MAX_VALUE ? maxParkNanos : Math.min(maxParkNanos, deadline - now);
        if (wait <= 0 || wakeupPending || inboxSize.get() > 0 || stopRequested) {
            return;
        }
        parks++;
        LockSupport.parkNanos(this, wait);
    }

    /**
     * Asks the loop to stop after its current turn; tasks still queued are dropped. From another
     * thread this waits for the loop thread to finish; from the loop thread it returns at once.
     */
    public void stop() {
        stopRequested = true;
        Thread t = thread;
        if (t == null) {
            terminated.countDown();
            return;
        }
        LockSupport.unpark(t);
        if (t != Thread.currentThread()) {
            awaitTermination(Duration.ofDays(365));
        }
    }

    /** Waits up to {@code timeout} for the loop to stop; returns whether it has. */
    public boolean awaitTermination(Duration timeout) {
        try {
            return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Returns whether {@link #stop()} has been called. */
    public boolean isStopping() {
        return stopRequested;
    }

    // ---------------------------------------------------------------- statistics

    /** Returns counters of the loop's activity, read without stopping it. */
    public Stats stats() {
        return new Stats(turns, parks, errors, timers.size(), inboxSize.get());
    }

    /**
     * Counters of a loop's activity.
     *
     * @param turns turns taken
     * @param parks times the loop parked its thread because nothing was ready
     * @param errors exceptions that escaped a task, timer or pollable and were reported
     * @param armedTimers timers armed now
     * @param inboxTasks tasks from other threads waiting now
     */
    public record Stats(long turns, long parks, long errors, int armedTimers, int inboxTasks) {}

    // ---------------------------------------------------------------- internals

    private int drainInbox() {
        // As with runTasks: only what had arrived when the turn began.
        // The count runs ahead of the queue while a producer is between the two (see execute).
        int n = Math.min(inboxSize.get(), taskCapacity);
        int ran = 0;
        Runnable task;
        while (ran < n && (task = inbox.poll()) != null) {
            inboxSize.decrementAndGet();
            ran++;
            runGuarded(task);
        }
        return ran;
    }

    private int runTasks() {
        // Run only what was queued before this turn, so a task that requeues itself cannot starve I/O.
        int n = tasks.size();
        for (int i = 0; i < n; i++) {
            runGuarded(tasks.poll());
        }
        return n;
    }

    private void runGuarded(Runnable task) {
        try {
            task.run();
        } catch (Throwable failure) {
            reportError(failure);
        }
    }

    void reportError(Throwable failure) {
        errors++;
        try {
            errorHandler.accept(failure);
        } catch (Throwable ignored) {
            // The handler failed too; the count above still records the first failure.
        }
    }

    private void checkInLoop() {
        if (!inLoop()) {
            throw new IllegalStateException("called from " + Thread.currentThread().getName()
                    + ", not from the event loop thread " + thread.getName() + "; hand the work over with execute()");
        }
    }

    /** Settings of a new loop; the defaults suit the hosted platform. */
    public static final class Builder {
        private Clock clock = Clock.system();
        private int taskCapacity = DEFAULT_TASK_CAPACITY;
        private int timerCapacity = DEFAULT_TIMER_CAPACITY;
        private Duration spin = Duration.ZERO;
        private Duration maxPark = Duration.ofDays(1);
        private Consumer<Throwable> errorHandler = EventLoop::logError;

        private Builder() {}

        /** Sets the clock; tests pass a {@link ManualClock}. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock == null");
            return this;
        }

        /** Bounds each task queue; {@link #execute} refuses tasks beyond it. */
        public Builder taskCapacity(int taskCapacity) {
            if (taskCapacity < 1) {
                throw new IllegalArgumentException("taskCapacity < 1: " + taskCapacity);
            }
            this.taskCapacity = taskCapacity;
            return this;
        }

        /** Bounds the number of armed timers. */
        public Builder timerCapacity(int timerCapacity) {
            if (timerCapacity < 1) {
                throw new IllegalArgumentException("timerCapacity < 1: " + timerCapacity);
            }
            this.timerCapacity = timerCapacity;
            return this;
        }

        /** Sets how long an idle loop busy-polls before it parks: lower latency for polled devices, at a core's cost. */
        public Builder spin(Duration spin) {
            if (spin.isNegative()) {
                throw new IllegalArgumentException("spin < 0: " + spin);
            }
            this.spin = spin;
            return this;
        }

        /** Sets the longest park of an idle loop; devices that cannot wake the loop need a short one. */
        public Builder maxPark(Duration maxPark) {
            if (maxPark.isNegative() || maxPark.isZero()) {
                throw new IllegalArgumentException("maxPark <= 0: " + maxPark);
            }
            this.maxPark = maxPark;
            return this;
        }

        /** Sets what happens to an exception that escapes a task, timer or pollable; the loop goes on. */
        public Builder onError(Consumer<Throwable> errorHandler) {
            this.errorHandler = Objects.requireNonNull(errorHandler, "errorHandler == null");
            return this;
        }

        /** Creates the loop. */
        public EventLoop build() {
            return new EventLoop(this);
        }
    }

    private static void logError(Throwable failure) {
        System.getLogger(EventLoop.class.getName())
                .log(System.Logger.Level.ERROR, "uncaught exception on the event loop", failure);
    }
}
