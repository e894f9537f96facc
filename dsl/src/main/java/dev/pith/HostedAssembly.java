package dev.pith;

import dev.pith.core.EventLoop;
import dev.pith.core.Supervisor;
import dev.pith.core.platform.Platform;

/**
 * Runs a plan inside this JVM: one event loop, the plan's parts with hosted devices, a
 * supervisor. The hosted twin of the boot class the image linker generates for the guest.
 */
final class HostedAssembly {

    private HostedAssembly() {}

    static RunningUnikernel start(Plan plan, Platform platform) {
        Supervisor[] supervisor = new Supervisor[1];
        EventLoop loop = platform.eventLoop()
                .onError(failure -> supervisor[0].fail("event loop", failure))
                .build();
        HostedDevices devices = new HostedDevices(plan, platform, loop);
        Assembly assembly = new Assembly(plan, loop, platform.random(), devices);
        supervisor[0] = new Supervisor(loop, assembly.components);
        assembly.attach(supervisor[0]);
        loop.start("pith-" + plan.name());
        supervisor[0].start();
        // Parts start quickly (none waits for the network: DHCP goes on in the background), so wait for them.
        supervisor[0].startup().join();
        return new RunningUnikernel(plan, loop, supervisor[0], assembly, devices);
    }
}
