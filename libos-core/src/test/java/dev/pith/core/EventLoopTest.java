package dev.pith.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class EventLoopTest {

    private final ManualClock clock = new ManualClock(1_000);
    private final EventLoop loop = EventLoop.builder().clock(clock).build();
    private final List<String> log = new ArrayList<>();

    @Nested
    class Ordering {
        @Test
        void tasksRunInTheOrderTheyWereQueued() {
            for (int i = 0; i < 5; i++) {
                int n = i;
                loop.execute(() -> log.add("task" + n));
            }
            loop.runUntilIdle();
            assertEquals(List.of("task0", "task1", "task2", "task3", "task4"), log);
        }

        @Test
        void aTaskQueuedByATaskRunsOnTheNextTurnNotInTheSame() {
            loop.execute(() -> {
                log.add("first");
                loop.execute(() -> log.add("queued by first"));
            });
            loop.execute(() -> log.add("second"));
            assertTrue(loop.runOnce() > 0);
            loop.runUntilIdle();
            assertEquals(List.of("first", "second", "queued by first"), log);
        }

        @Test
        void aTaskThatRequeuesItselfDoesNotStarveTimersOrPollables() {
            AtomicInteger polls = new AtomicInteger();
            loop.register(() -> {
                polls.incrementAndGet();
                return 0;
            });
            loop.schedule(Duration.ZERO, () -> log.add("timer"));
            Runnable[] forever = new Runnable[1];
            forever[0] = () -> loop.execute(forever[0]);
            loop.execute(forever[0]);
            loop.runOnce();
            loop.runOnce();
            assertEquals(List.of("timer"), log);
            assertEquals(2, polls.get());
        }

        @Test
        void anExceptionInATaskIsReportedAndTheLoopGoesOn() {
            List<Throwable> errors = new ArrayList<>();
            EventLoop l = EventLoop.builder().clock(clock).onError(errors::add).build();
            l.execute(() -> {
                throw new IllegalStateException("boom");
            });
            l.execute(() -> log.add("after"));
            l.runUntilIdle();
            assertEquals(List.of("after"), log);
            assertEquals("boom", errors.getFirst().getMessage());
            assertEquals(1, l.stats().errors());
        }

        @Test
        void runUntilIdleDetectsALivelock() {
            loop.register(() -> 1);
            assertThrows(IllegalStateException.class, loop::runUntilIdle);
        }
    }

    @Nested
    class TimersOnVirtualTime {
        @Test
        void timersFireAtTheirExactDeadlinesInDeadlineOrder() {
            List<Long> firedAt = new ArrayList<>();
            for (int ms : new int[] {30, 10, 20}) {
                loop.schedule(Duration.ofMillis(ms), () -> {
                    log.add(ms + "ms");
                    firedAt.add(clock.nanoTime());
                });
            }
            loop.advance(Duration.ofMillis(25));
            assertEquals(List.of("10ms", "20ms"), log);
            loop.advance(Duration.ofMillis(5));
            assertEquals(List.of("10ms", "20ms", "30ms"), log);
            assertEquals(List.of(1_000 + 10_000_000L, 1_000 + 20_000_000L, 1_000 + 30_000_000L), firedAt);
        }

        @Test
        void equalDeadlinesFireInArmingOrder() {
            for (int i = 0; i < 50; i++) {
                int n = i;
                loop.schedule(Duration.ofMillis(5), () -> log.add("t" + n));
            }
            loop.advance(Duration.ofMillis(5));
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                expected.add("t" + i);
            }
            assertEquals(expected, log);
        }

        @Test
        void aTimerDoesNotFireBeforeItsDeadline() {
            loop.schedule(Duration.ofMillis(10), () -> log.add("fired"));
            loop.advance(Duration.ofNanos(9_999_999));
            assertEquals(List.of(), log);
            loop.advance(Duration.ofNanos(1));
            assertEquals(List.of("fired"), log);
        }

        @Test
        void cancelledAndRearmedTimersObeyTheirLastSetting() {
            Timer cancelled = loop.schedule(Duration.ofMillis(10), () -> log.add("cancelled"));
            Timer moved = loop.schedule(Duration.ofMillis(10), () -> log.add("moved"));
            cancelled.cancel();
            moved.scheduleAfter(Duration.ofMillis(50));
            assertFalse(cancelled.isScheduled());
            loop.advance(Duration.ofMillis(49));
            assertEquals(List.of(), log);
            loop.advance(Duration.ofMillis(1));
            assertEquals(List.of("moved"), log);
            assertFalse(moved.isScheduled());
        }

        @Test
        void aTimerArmedByATimerFiresLaterInTheSameAdvance() {
            Timer[] backoff = new Timer[1];
            long[] delay = {1};
            backoff[0] = loop.timer(() -> {
                log.add(delay[0] + "ms at " + (clock.nanoTime() - 1_000) / 1_000_000);
                delay[0] *= 2;
                if (delay[0] <= 8) {
                    backoff[0].scheduleAfter(Duration.ofMillis(delay[0]));
                }
            });
            backoff[0].scheduleAfter(Duration.ofMillis(1));
            loop.advance(Duration.ofSeconds(1));
            // Exponential backoff on virtual time: 1, then +2, +4, +8 ms.
            assertEquals(List.of("1ms at 1", "2ms at 3", "4ms at 7", "8ms at 15"), log);
        }

        @Test
        void thousandsOfTimersFireInOrderAfterRandomCancels() {
            RandomSource random = RandomSource.seeded(42);
            List<Timer> timers = new ArrayList<>();
            List<Long> fired = new ArrayList<>();
            for (int i = 0; i < 5_000; i++) {
                long[] deadline = new long[1];
                Timer t = loop.timer(() -> fired.add(deadline[0]));
                deadline[0] = clock.nanoTime() + random.nextInt(1_000_000);
                t.schedule(deadline[0]);
                timers.add(t);
            }
            int cancelled = 0;
            for (int i = 0; i < timers.size(); i += 3) {
                timers.get(i).cancel();
                cancelled++;
            }
            assertEquals(5_000 - cancelled, loop.stats().armedTimers());
            loop.advance(Duration.ofMillis(1));
            assertEquals(5_000 - cancelled, fired.size());
            List<Long> sorted = new ArrayList<>(fired);
            Collections.sort(sorted);
            assertEquals(sorted, fired);
            assertEquals(0, loop.stats().armedTimers());
        }

        @Test
        void theTimerBoundIsEnforced() {
            EventLoop small = EventLoop.builder().clock(clock).timerCapacity(2).build();
            small.schedule(Duration.ofMillis(1), () -> {});
            small.schedule(Duration.ofMillis(1), () -> {});
            assertThrows(IllegalStateException.class, () -> small.schedule(Duration.ofMillis(1), () -> {}));
        }

        @Test
        void advanceNeedsAManualClock() {
            EventLoop real = EventLoop.builder().build();
            assertThrows(IllegalStateException.class, () -> real.advance(Duration.ofMillis(1)));
        }
    }

    @Nested
    class OnItsOwnThread {
        @Test
        void otherThreadsHandWorkToTheLoopThread() throws Exception {
            EventLoop l = EventLoop.builder().build();
            l.start("loop-under-test");
            try {
                int producers = 4;
                int perProducer = 10_000;
                AtomicLong sum = new AtomicLong();
                List<Thread> seenThreads = Collections.synchronizedList(new ArrayList<>());
                CountDownLatch done = new CountDownLatch(producers * perProducer);
                int[][] lastSeen = new int[producers][1];
                AtomicInteger outOfOrder = new AtomicInteger();
                List<Thread> threads = new ArrayList<>();
                for (int p = 0; p < producers; p++) {
                    int producer = p;
                    threads.add(Thread.ofVirtual().start(() -> {
                        for (int i = 1; i <= perProducer; i++) {
                            int n = i;
                            while (true) {
                                try {
                                    l.execute(() -> {
                                        // Plain fields, touched only by the loop thread: no lock needed.
                                        if (lastSeen[producer][0] != n - 1) {
                                            outOfOrder.incrementAndGet();
                                        }
                                        lastSeen[producer][0] = n;
                                        sum.addAndGet(n);
                                        if (n == perProducer) {
                                            seenThreads.add(Thread.currentThread());
                                        }
                                        done.countDown();
                                    });
                                    break;
                                } catch (RejectedExecutionException full) {
                                    Thread.onSpinWait();
                                }
                            }
                        }
                    }));
                }
                for (Thread t : threads) {
                    t.join();
                }
                assertTrue(done.await(30, TimeUnit.SECONDS), "all tasks ran");
                assertEquals(0, outOfOrder.get(), "each producer's tasks run in its order");
                assertEquals((long) producers * perProducer * (perProducer + 1) / 2, sum.get());
                assertTrue(seenThreads.stream().allMatch(t -> t.getName().equals("loop-under-test")));
            } finally {
                l.stop();
            }
        }

        @Test
        void theInboxIsBounded() throws Exception {
            EventLoop l = EventLoop.builder().taskCapacity(4).build();
            CountDownLatch release = new CountDownLatch(1);
            l.start("bounded");
            try {
                CountDownLatch blocked = new CountDownLatch(1);
                l.execute(() -> {
                    blocked.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                blocked.await();
                for (int i = 0; i < 4; i++) {
                    l.execute(() -> {});
                }
                RejectedExecutionException full = assertThrows(RejectedExecutionException.class, () -> l.execute(() -> {}));
                assertTrue(full.getMessage().contains("4 tasks"), full.getMessage());
            } finally {
                release.countDown();
                l.stop();
            }
        }

        @Test
        void anIdleLoopParksInsteadOfSpinning() throws Exception {
            EventLoop l = EventLoop.builder().build();
            CountDownLatch started = new CountDownLatch(1);
            l.start("idle-loop");
            try {
                l.execute(started::countDown);
                assertTrue(started.await(10, TimeUnit.SECONDS));
                long turnsBefore = l.stats().turns();
                long parksBefore = l.stats().parks();
                Thread.sleep(500);
                long turns = l.stats().turns() - turnsBefore;
                // A spinning loop takes millions of turns in this time; a parked one, none.
                assertTrue(turns < 10, "idle loop took " + turns + " turns");
                assertTrue(l.stats().parks() - parksBefore <= turns);
            } finally {
                l.stop();
            }
        }

        @Test
        void aParkedLoopWakesForATimerAndForATask() throws Exception {
            EventLoop l = EventLoop.builder().build();
            l.start("waking-loop");
            try {
                CountDownLatch timerFired = new CountDownLatch(1);
                l.execute(() -> l.schedule(Duration.ofMillis(50), timerFired::countDown));
                assertTrue(timerFired.await(10, TimeUnit.SECONDS), "the parked loop woke for its timer");
                Thread.sleep(50); // let it park again
                CountDownLatch taskRan = new CountDownLatch(1);
                l.execute(taskRan::countDown);
                assertTrue(taskRan.await(10, TimeUnit.SECONDS), "the parked loop woke for a task");
                assertTrue(l.stats().parks() >= 2);
            } finally {
                l.stop();
            }
        }

        @Test
        void aPollableCanWakeTheParkedLoop() throws Exception {
            EventLoop l = EventLoop.builder().build();
            AtomicInteger ready = new AtomicInteger();
            CountDownLatch polled = new CountDownLatch(3);
            l.start("device-loop");
            try {
                l.execute(() -> l.register(() -> {
                    int n = ready.getAndSet(0);
                    for (int i = 0; i < n; i++) {
                        polled.countDown();
                    }
                    return n;
                }));
                for (int i = 0; i < 3; i++) {
                    Thread.sleep(20);
                    ready.incrementAndGet(); // a "frame" arrives on another thread...
                    l.wakeup(); // ...and the device says so
                }
                assertTrue(polled.await(10, TimeUnit.SECONDS));
            } finally {
                l.stop();
            }
        }

        @Test
        void stopEndsTheThreadAndLaterTasksAreRefused() {
            EventLoop l = EventLoop.builder().build();
            l.start("stopping");
            l.stop();
            assertTrue(l.awaitTermination(Duration.ofSeconds(5)));
            assertThrows(RejectedExecutionException.class, () -> l.execute(() -> {}));
            assertThrows(IllegalStateException.class, () -> l.start("again"));
        }

        @Test
        void loopOnlyOperationsAreRefusedFromOtherThreads() throws Exception {
            EventLoop l = EventLoop.builder().build();
            l.start("owner");
            try {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> l.timer(() -> {}).schedule(0));
                assertTrue(e.getMessage().contains("execute()"), e.getMessage());
            } finally {
                l.stop();
            }
        }
    }
}
