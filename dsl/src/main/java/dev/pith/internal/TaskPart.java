package dev.pith.internal;

import dev.pith.TaskContext;
import dev.pith.UnikernelTask;
import dev.pith.core.Component;
import dev.pith.core.Supervisor;

/**
 * The "task" part, started last: runs the application's task on a virtual thread and ends the
 * unikernel with its exit status, or as failed when it throws.
 */
public final class TaskPart implements Component {

    private final UnikernelTask task;
    private final TaskContext context;
    private Supervisor supervisor;
    private Thread thread;

    public TaskPart(UnikernelTask task, TaskContext context) {
        this.task = task;
        this.context = context;
    }

    /** Gives the part the supervisor it reports to; called once the supervisor exists, before it starts. */
    public void attach(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    @Override
    public String name() {
        return "task";
    }

    @Override
    public void start() {
        thread = Thread.ofVirtual().name("pith-task").start(() -> {
            try {
                supervisor.exit(task.run(context));
            } catch (Throwable failure) {
                supervisor.fail("task", failure);
            }
        });
    }

    @Override
    public void stop() {
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt(); // the unikernel is stopping for another reason: the task is asked to end
        }
    }
}
