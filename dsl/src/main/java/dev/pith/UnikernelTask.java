package dev.pith;

/**
 * Application code that runs once, after every part has started, on a virtual thread: a batch
 * job, a migration, a test's probe. When it returns, the unikernel stops with the returned exit
 * status; when it throws, the unikernel stops as failed.
 */
@FunctionalInterface
public interface UnikernelTask {

    /** Does the work; returns the unikernel's exit status (0 for success). */
    int run(TaskContext context) throws Exception;
}
