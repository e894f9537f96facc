package dev.pith.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs the components of one unikernel on its event loop: starts them in the given (dependency)
 * order, stops them in reverse, and turns the first failure anywhere — a component that does
 * not start, one that reports a failure later, an exception that escapes the loop — into a stop
 * of the whole unikernel with a message naming the component and a non-zero exit status.
 */
public final class Supervisor {

    /** Exit status of a unikernel stopped by a failure. */
    public static final int FAILURE_STATUS = 1;

    private final EventLoop loop;
    private final List<Component> components;
    private final List<Component> started = new ArrayList<>();
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private final CompletableFuture<Boolean> startup = new CompletableFuture<>();
    private volatile Failure failure;

    /** The failure that stopped a unikernel: which component, and why. */
    public record Failure(String component, Throwable cause) {
        /** Returns a one-line description such as "component 'tcp' failed: address in use". */
        public String message() {
            return "component '" + component + "' failed: " + cause;
        }
    }

    /** Creates a supervisor for {@code components}, given in start order. */
    public Supervisor(EventLoop loop, List<? extends Component> components) {
        this.loop = Objects.requireNonNull(loop, "loop == null");
        this.components = List.copyOf(components);
    }

    /** Starts the components on the loop, in order; call once, after the loop is running or before driving it by hand. */
    public void start() {
        loop.execute(() -> {
            for (Component component : components) {
                if (exit.isDone()) {
                    startup.complete(false);
                    return;
                }
                try {
                    component.start();
                    started.add(component);
                } catch (Throwable cause) {
                    fail(component.name(), cause);
                    startup.complete(false);
                    return;
                }
            }
            startup.complete(true);
        });
    }

    /**
     * Returns a future that completes once every component has started (true) or the start
     * failed or was stopped first (false).
     */
    public CompletableFuture<Boolean> startup() {
        return startup.copy();
    }

    /** Stops the unikernel with status 0. Callable from any thread. */
    public void stop() {
        exit(0);
    }

    /** Stops the unikernel with {@code status}, as a task that finished does. Callable from any thread; the first stop counts. */
    public void exit(int status) {
        runOnLoop(() -> shutdown(status));
    }

    /** Stops the unikernel because {@code component} failed. Callable from any thread; only the first failure counts. */
    public void fail(String component, Throwable cause) {
        Failure f = new Failure(component, cause);
        runOnLoop(() -> {
            if (!exit.isDone() && failure == null) {
                failure = f;
                System.getLogger(Supervisor.class.getName()).log(System.Logger.Level.ERROR, "pith: " + f.message(), cause);
                shutdown(FAILURE_STATUS);
            }
        });
    }

    /** Waits until the unikernel has stopped and returns its exit status. */
    public int awaitExit() {
        try {
            return exit.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the unikernel to stop", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Returns the exit status once stopped, for callers that compose asynchronously. */
    public CompletableFuture<Integer> exitStatus() {
        return exit.copy();
    }

    /** Returns the failure that stopped the unikernel, if one did. */
    public Optional<Failure> failure() {
        return Optional.ofNullable(failure);
    }

    private void runOnLoop(Runnable action) {
        if (loop.inLoop()) {
            action.run();
        } else {
            try {
                loop.execute(action);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                // The loop is already stopping; its stop completes the exit.
            }
        }
    }

    private void shutdown(int status) {
        if (exit.isDone()) {
            return;
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            Component component = started.get(i);
            try {
                component.stop();
            } catch (Throwable ignored) {
                // Stop the rest regardless; a component that cannot stop cleanly loses nothing more by it.
            }
        }
        started.clear();
        startup.complete(false);
        exit.complete(status);
        loop.stop();
    }
}
