package dev.pith;

import dev.pith.net.InterfaceSettings;
import dev.pith.net.http.HttpSettings;
import dev.pith.net.http.Routes;
import dev.pith.net.tcp.BlockingTcpHandler;
import dev.pith.net.tcp.TcpHandler;
import dev.pith.net.tcp.TcpSettings;
import dev.pith.net.udp.UdpHandler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The one implementation of every builder step (jOOQ's {@code SelectImpl} pattern): the step
 * interfaces decide which calls compile, this class records them, and {@link #build()} hands the
 * record to {@link Validator}.
 */
final class Composition implements UnikernelStep, NetworkStep, TcpStep {

    static final int DEFAULT_MEMORY_MIB = 128;

    private final String name;
    private int memoryMib = DEFAULT_MEMORY_MIB;
    private int cpus = 1;
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<Disk> disks = new ArrayList<>();
    private Network network;
    private Ipv4 ipv4;
    private boolean tcp;
    private TcpSettings tcpSettings = TcpSettings.defaults();
    private InterfaceSettings interfaceSettings = InterfaceSettings.defaults();
    private final List<Service> services = new ArrayList<>();
    private UnikernelTask task;
    private boolean built;

    Composition(String name) {
        this.name = Objects.requireNonNull(name, "name == null");
    }

    @Override
    public UnikernelStep memoryMib(int memoryMib) {
        this.memoryMib = memoryMib;
        return this;
    }

    @Override
    public UnikernelStep cpus(int cpus) {
        this.cpus = cpus;
        return this;
    }

    @Override
    public UnikernelStep jvmOptions(String... options) {
        jvmOptions.addAll(Arrays.asList(options));
        return this;
    }

    @Override
    public UnikernelStep disk(Disk disk) {
        disks.add(Objects.requireNonNull(disk, "disk == null"));
        return this;
    }

    @Override
    public Composition task(UnikernelTask task) {
        if (this.task != null) {
            throw new IllegalStateException("task(...) was already called: a unikernel runs one task");
        }
        this.task = Objects.requireNonNull(task, "task == null");
        return this;
    }

    @Override
    public NetworkStep network(Network network) {
        return network(network, InterfaceSettings.defaults());
    }

    @Override
    public NetworkStep network(Network network, InterfaceSettings settings) {
        this.network = Objects.requireNonNull(network, "network == null");
        this.interfaceSettings = Objects.requireNonNull(settings, "settings == null");
        return this;
    }

    @Override
    public IpStep ipv4(Ipv4 ipv4) {
        this.ipv4 = Objects.requireNonNull(ipv4, "ipv4 == null");
        return this;
    }

    @Override
    public TcpStep udp(int port, UdpHandler handler) {
        services.add(new Service.Udp(port, handler));
        return this;
    }

    @Override
    public TcpStep tcp() {
        return tcp(TcpSettings.defaults());
    }

    @Override
    public TcpStep tcp(TcpSettings settings) {
        tcpSettings = Objects.requireNonNull(settings, "settings == null");
        tcp = true;
        return this;
    }

    @Override
    public TcpStep listen(int port, TcpHandler handler) {
        services.add(new Service.TcpListen(port, handler));
        return this;
    }

    @Override
    public TcpStep serve(int port, BlockingTcpHandler handler) {
        services.add(new Service.TcpServe(port, handler));
        return this;
    }

    @Override
    public TcpStep http(int port, Consumer<Routes> routes) {
        return http(port, HttpSettings.defaults(), routes);
    }

    @Override
    public TcpStep http(int port, HttpSettings settings, Consumer<Routes> routes) {
        services.add(new Service.Http(port, settings, routes));
        return this;
    }

    @Override
    public Unikernel build() {
        if (built) {
            throw new IllegalStateException("build() was already called on this builder; start a new one with Unikernel.builder()");
        }
        built = true;
        boolean udp = services.stream().anyMatch(s -> s instanceof Service.Udp);
        Optional<Plan.NetworkPlan> net = Optional.ofNullable(network)
                .map(n -> new Plan.NetworkPlan(n, interfaceSettings, ipv4, udp, tcp, tcpSettings));
        Plan draft = new Plan(name, new Plan.Resources(memoryMib, cpus, jvmOptions), disks, net, services,
                Optional.ofNullable(task), List.of());
        return new Unikernel(Validator.validate(draft));
    }
}
