package dev.pith.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SupervisorTest {

    private final List<String> log = new ArrayList<>();
    private final EventLoop loop = EventLoop.builder().clock(new ManualClock()).build();

    private Component component(String name, boolean failsToStart) {
        return new Component() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void start() {
                if (failsToStart) {
                    throw new IllegalStateException(name + " cannot bind");
                }
                log.add("start " + name);
            }

            @Override
            public void stop() {
                log.add("stop " + name);
            }
        };
    }

    @Test
    void startsInOrderAndStopsInReverse() {
        Supervisor supervisor = new Supervisor(loop, List.of(component("net", false), component("ipv4", false), component("tcp", false)));
        supervisor.start();
        loop.runUntilIdle();
        supervisor.stop();
        loop.runUntilIdle();
        assertEquals(List.of("start net", "start ipv4", "start tcp", "stop tcp", "stop ipv4", "stop net"), log);
        assertEquals(0, supervisor.awaitExit());
        assertTrue(supervisor.failure().isEmpty());
        assertTrue(loop.isStopping());
    }

    @Test
    void aComponentThatFailsToStartStopsTheOthersWithANonZeroStatus() {
        Supervisor supervisor = new Supervisor(loop, List.of(component("net", false), component("tcp", true), component("http", false)));
        supervisor.start();
        loop.runUntilIdle();
        assertEquals(List.of("start net", "stop net"), log);
        assertEquals(Supervisor.FAILURE_STATUS, supervisor.awaitExit());
        Supervisor.Failure failure = supervisor.failure().orElseThrow();
        assertEquals("tcp", failure.component());
        assertEquals("component 'tcp' failed: java.lang.IllegalStateException: tcp cannot bind", failure.message());
    }

    @Test
    void aLaterFailureStopsEverythingAndOnlyTheFirstCounts() {
        Supervisor supervisor = new Supervisor(loop, List.of(component("net", false), component("tcp", false)));
        supervisor.start();
        loop.runUntilIdle();
        supervisor.fail("tcp", new RuntimeException("first"));
        supervisor.fail("net", new RuntimeException("second"));
        loop.runUntilIdle();
        assertEquals(List.of("start net", "start tcp", "stop tcp", "stop net"), log);
        assertEquals(1, supervisor.awaitExit());
        assertEquals("first", supervisor.failure().orElseThrow().cause().getMessage());
    }
}
