package dev.pith;

import dev.pith.net.InterfaceSettings;
import dev.pith.net.tcp.TcpSettings;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A composition evaluated: the devices, addresses, ports, disks and memory of one unikernel, and
 * the parts to start in dependency order. The hosted platform runs a plan; the image linker reads
 * it at build time to generate the image's boot code and kernel command line.
 *
 * @param name the unikernel's name, also its image's file name
 * @param resources memory, CPUs and JVM options
 * @param disks the disks, in declaration order
 * @param network the network interface and its configuration, if the unikernel has one
 * @param services the services offered on ports
 * @param task the application code run once every part has started, if any
 * @param parts every part, in an order in which each comes after the parts it requires
 */
public record Plan(String name, Resources resources, List<Disk> disks, Optional<NetworkPlan> network,
        List<Service> services, Optional<UnikernelTask> task, List<Part> parts) {

    public Plan {
        Objects.requireNonNull(name, "name == null");
        Objects.requireNonNull(resources, "resources == null");
        disks = List.copyOf(disks);
        Objects.requireNonNull(network, "network == null");
        services = List.copyOf(services);
        Objects.requireNonNull(task, "task == null");
        parts = List.copyOf(parts);
    }

    /**
     * Memory, CPUs and JVM options of the unikernel's virtual machine.
     *
     * @param memoryMib guest memory in MiB
     * @param cpus virtual CPUs
     * @param jvmOptions extra options for the JVM, in order
     */
    public record Resources(int memoryMib, int cpus, List<String> jvmOptions) {
        public Resources {
            jvmOptions = List.copyOf(jvmOptions);
        }
    }

    /**
     * The network interface and the protocols on it.
     *
     * @param device the network device
     * @param interfaceSettings the interface's settings ({@link InterfaceSettings#defaults()} unless the composition chose)
     * @param ipv4 how the address is configured
     * @param udp whether UDP is used
     * @param tcp whether TCP is used
     * @param tcpSettings TCP's settings ({@link TcpSettings#defaults()} unless the composition chose)
     */
    public record NetworkPlan(Network device, InterfaceSettings interfaceSettings, Ipv4 ipv4, boolean udp, boolean tcp,
            TcpSettings tcpSettings) {
        public NetworkPlan {
            Objects.requireNonNull(device, "device == null");
            Objects.requireNonNull(interfaceSettings, "interfaceSettings == null");
            Objects.requireNonNull(ipv4, "ipv4 == null");
            Objects.requireNonNull(tcpSettings, "tcpSettings == null");
        }
    }

    /**
     * One startable part and the parts it requires.
     *
     * @param name the part's name, such as "ipv4", "tcp" or "disk:data"
     * @param requires names of the parts that must start before it
     */
    public record Part(String name, List<String> requires) {
        public Part {
            Objects.requireNonNull(name, "name == null");
            requires = List.copyOf(requires);
        }
    }

    /** Returns a readable multi-line description, the same for the same plan. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append("unikernel ").append(name).append('\n');
        s.append("  memory ").append(resources.memoryMib()).append(" MiB, ").append(resources.cpus())
                .append(resources.cpus() == 1 ? " cpu" : " cpus").append('\n');
        if (!resources.jvmOptions().isEmpty()) {
            s.append("  jvm ").append(String.join(" ", resources.jvmOptions())).append('\n');
        }
        for (Disk disk : disks) {
            s.append("  disk ").append(disk.name()).append(": ").append(disk).append('\n');
        }
        network.ifPresent(n -> s.append("  network ").append(n.device())
                .append(n.interfaceSettings().equals(InterfaceSettings.defaults()) ? "" : " " + n.interfaceSettings())
                .append(", ipv4 ").append(n.ipv4())
                .append(n.udp() ? ", udp" : "").append(n.tcp() ? ", tcp" : "")
                .append(n.tcp() && !n.tcpSettings().equals(TcpSettings.defaults()) ? " " + n.tcpSettings() : "").append('\n'));
        for (Service service : services) {
            s.append("  ").append(service).append('\n');
        }
        task.ifPresent(t -> s.append("  task\n"));
        s.append("  start order: ");
        s.append(String.join(" -> ", parts.stream().map(Part::name).toList()));
        return s.append('\n').toString();
    }
}
