package dev.pith.image.link;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import dev.pith.Disk;
import dev.pith.Ipv4;
import dev.pith.Network;
import dev.pith.Plan;
import dev.pith.Service;
import dev.pith.image.ImageException;
import java.util.ArrayList;
import java.util.List;
import javax.lang.model.element.Modifier;

/**
 * Writes the image's boot class from an evaluated plan (DESIGN.md §4): the same parts the hosted
 * runtime builds by interpreting a plan, here as plain constructor calls for this one plan — no
 * reflection, no ServiceLoader — so that reachability from its {@code main} is the true set of
 * classes the image needs. The handlers come from the application's composition method, called
 * once at boot.
 *
 * <pre>{@code
 * public static void main(String[] args) { GuestPlatform.runAsInit(PithBoot::boot); }
 * static void boot() throws Exception {
 *     GuestPlatform platform = GuestPlatform.boot();
 *     Plan plan = Echo.unikernel().plan();
 *     ...
 *     NetPart net = new NetPart(loop, random, GuestDevices.virtioNet(platform, 0), plan.network().orElseThrow().interfaceSettings());
 *     UdpPart udp = new UdpPart(net, random);
 *     DhcpPart ipv4 = new DhcpPart(loop, net, udp, random);
 *     TcpPart tcp = new TcpPart(loop, net, random, plan.network().orElseThrow().tcpSettings());
 *     ServicePart.Listen tcp8080 = new ServicePart.Listen(tcp, 8080, ((Service.TcpListen) plan.services().get(0)).handler());
 *     supervisor[0] = new Supervisor(loop, List.of(net, udp, ipv4, tcp, tcp8080));
 *     ...
 * }
 * }</pre>
 */
public final class BootClass {

    /** The boot class's package and simple name in every image. */
    public static final String PACKAGE = "dev.pith.boot";
    public static final String NAME = "PithBoot";
    public static final String QUALIFIED_NAME = PACKAGE + "." + NAME;

    private static final ClassName GUEST_PLATFORM = ClassName.get("dev.pith.core.guest", "GuestPlatform");
    private static final ClassName EVENT_LOOP = ClassName.get("dev.pith.core", "EventLoop");
    private static final ClassName RANDOM = ClassName.get("dev.pith.core", "RandomSource");
    private static final ClassName SUPERVISOR = ClassName.get("dev.pith.core", "Supervisor");
    private static final ClassName COMPONENT = ClassName.get("dev.pith.core", "Component");
    private static final ClassName PLAN = ClassName.get(Plan.class);
    private static final ClassName SERVICE = ClassName.get(Service.class);
    private static final ClassName IPV4_ADDRESS = ClassName.get("dev.pith.net", "Ipv4Address");
    private static final String PARTS = "dev.pith.internal";
    private static final ClassName NET_PART = ClassName.get(PARTS, "NetPart");
    private static final ClassName UDP_PART = ClassName.get(PARTS, "UdpPart");
    private static final ClassName TCP_PART = ClassName.get(PARTS, "TcpPart");
    private static final ClassName DHCP_PART = ClassName.get(PARTS, "DhcpPart");
    private static final ClassName STATIC_IPV4_PART = ClassName.get(PARTS, "StaticIpv4Part");
    private static final ClassName SERVICE_PART = ClassName.get(PARTS, "ServicePart");
    private static final ClassName DISK_PART = ClassName.get(PARTS, "DiskPart");
    private static final ClassName GUEST_DEVICES = ClassName.get(PARTS, "GuestDevices");
    private static final ClassName TASK_PART = ClassName.get(PARTS, "TaskPart");
    private static final ClassName PARTS_CONTEXT = ClassName.get(PARTS, "PartsContext");
    private static final ClassName AOT_TRAINING = ClassName.get(PARTS, "AotTraining");

    private BootClass() {}

    /**
     * Returns the boot class's source for {@code plan}, whose handlers come from the static,
     * argument-free method {@code compositionMethod} of {@code compositionClass}.
     *
     * @throws ImageException if the plan names a device that exists only hosted
     */
    public static JavaFile generate(Plan plan, String compositionClass, String compositionMethod) {
        return generate(plan, compositionClass, compositionMethod, false);
    }

    /**
     * As {@link #generate(Plan, String, String)}; with {@code aotTraining}, {@code main} first checks
     * {@code -Dpith.aot.training=true} and then, instead of booting, runs the hosted training that the
     * image's AOT cache is made from ({@code dev.pith.internal.AotTraining}).
     */
    public static JavaFile generate(Plan plan, String compositionClass, String compositionMethod, boolean aotTraining) {
        CodeBlock.Builder body = CodeBlock.builder()
                .addStatement("$T plan = $T.$L().plan()", PLAN, ClassName.bestGuess(compositionClass), compositionMethod)
                // The parts below are written for the linked plan and take handlers from this one by position.
                .beginControlFlow("if (!plan.describe().equals(LINKED_PLAN))")
                .addStatement("throw new $T($S + LINKED_PLAN + $S + plan.describe())", IllegalStateException.class,
                        "the composition built at boot differs from the one linked into the image; it must not depend on "
                                + "its environment. Linked:\n", "\nAt boot:\n")
                .endControlFlow()
                .addStatement("$T platform = $T.boot()", GUEST_PLATFORM, GUEST_PLATFORM)
                .addStatement("$T random = platform.random()", RANDOM)
                .addStatement("$T[] supervisor = new $T[1]", SUPERVISOR, SUPERVISOR)
                .addStatement("$T loop = platform.eventLoop().onError(failure -> supervisor[0].fail($S, failure)).build()",
                        EVENT_LOOP, "event loop");
        List<String> parts = new ArrayList<>();
        for (Plan.Part part : plan.parts()) {
            parts.add(part(body, part.name(), plan, parts));
        }
        body.addStatement("supervisor[0] = new $T(loop, $T.<$T>of($L))", SUPERVISOR, List.class, COMPONENT,
                String.join(", ", parts));
        if (parts.contains("task")) {
            body.addStatement("task.attach(supervisor[0])");
        }
        body.addStatement("supervisor[0].start()")
                .addStatement("loop.runOnCurrentThread()")
                .addStatement("supervisor[0].failure().ifPresent(f -> System.out.println($S + f.message()))",
                        "pith: unikernel '" + plan.name() + "' stopped: ")
                .addStatement("platform.exit(supervisor[0].awaitExit())");

        MethodSpec.Builder main = MethodSpec.methodBuilder("main")
                .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
                .addParameter(String[].class, "args");
        if (aotTraining) {
            main.addException(Exception.class)
                    .beginControlFlow("if ($T.requested())", AOT_TRAINING)
                    .addStatement("$T.run($T.$L(), $L.class)", AOT_TRAINING, ClassName.bestGuess(compositionClass),
                            compositionMethod, NAME)
                    .addStatement("return")
                    .endControlFlow();
        }
        main.addStatement("$T.runAsInit($L::boot)", GUEST_PLATFORM, NAME);
        MethodSpec boot = MethodSpec.methodBuilder("boot")
                .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
                .addException(Exception.class)
                .addCode(body.build())
                .build();
        TypeSpec type = TypeSpec.classBuilder(NAME)
                .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
                .addJavadoc("Boots unikernel $S as PID 1 of its virtual machine.\n\n", plan.name())
                .addJavadoc("<p>Generated by Pith's image linker from this plan; do not edit.\n\n<pre>\n$L</pre>\n",
                        plan.describe().replace("<", "&lt;").replace(">", "&gt;"))
                .addField(FieldSpec.builder(String.class, "LINKED_PLAN", Modifier.PRIVATE, Modifier.STATIC,
                        Modifier.FINAL).initializer("$S", plan.describe()).build())
                .addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build())
                .addMethod(main.build())
                .addMethod(boot)
                .build();
        return JavaFile.builder(PACKAGE, type).skipJavaLangImports(true).indent("    ").build();
    }

    /** Adds the statement that makes one part and returns its variable's name; {@code made} are the parts before it. */
    private static String part(CodeBlock.Builder body, String name, Plan plan, List<String> made) {
        if (name.equals("task")) {
            List<String> disks = made.stream().filter(v -> v.startsWith("disk")).toList();
            body.addStatement("$T task = new $T(plan.task().orElseThrow(), new $T(loop, $T.of($L), $L, $L, $L))", TASK_PART,
                    TASK_PART, PARTS_CONTEXT, List.class, String.join(", ", disks),
                    made.contains("net") ? "net" : "null", made.contains("tcp") ? "tcp" : "null",
                    made.contains("udp") ? "udp" : "null");
            return "task";
        }
        if (name.startsWith("disk:")) {
            String diskName = name.substring("disk:".length());
            Disk disk = plan.disks().stream().filter(d -> d.name().equals(diskName)).findFirst().orElseThrow();
            if (!(disk instanceof Disk.Virtio v)) {
                throw new ImageException("disk '" + diskName + "' is " + disk + ", which exists only hosted",
                        "in an image, use Disk.virtio(\"" + diskName + "\") and attach the disk with -drive ...,serial="
                                + diskName);
            }
            // By position: names like "a1" and "a-1" are both valid and would clash as identifiers.
            String variable = "disk" + made.stream().filter(part -> part.startsWith("disk")).count();
            body.addStatement("$T $L = new $T($S, $T.virtioBlk(platform, loop, $S, $L))", DISK_PART, variable, DISK_PART,
                    diskName, GUEST_DEVICES, v.serial(), v.readOnly());
            return variable;
        }
        Plan.NetworkPlan network = plan.network().orElseThrow();
        switch (name) {
            case "net" -> {
                if (!(network.device() instanceof Network.Virtio v)) {
                    throw new ImageException("the network device is " + network.device() + ", which exists only hosted",
                            "in an image, use Network.virtio(); the hosted runtime stands in for it");
                }
                body.addStatement("$T net = new $T(loop, random, $T.virtioNet(platform, $L), "
                        + "plan.network().orElseThrow().interfaceSettings())", NET_PART, NET_PART, GUEST_DEVICES, v.index());
                return "net";
            }
            case "udp" -> {
                body.addStatement("$T udp = new $T(net, random)", UDP_PART, UDP_PART);
                return "udp";
            }
            case "ipv4" -> {
                switch (network.ipv4()) {
                    case Ipv4.Dhcp d -> body.addStatement("$T ipv4 = new $T(loop, net, udp, random)", DHCP_PART, DHCP_PART);
                    case Ipv4.Static s -> body.addStatement("$T ipv4 = new $T(net, $T.parse($S), $L, $L, $T.of($L))",
                            STATIC_IPV4_PART, STATIC_IPV4_PART, IPV4_ADDRESS, s.address().toString(), s.prefixLength(),
                            s.gateway().map(g -> CodeBlock.of("$T.parse($S)", IPV4_ADDRESS, g.toString()).toString())
                                    .orElse("null"),
                            List.class, String.join(", ", s.dns().stream()
                                    .map(a -> CodeBlock.of("$T.parse($S)", IPV4_ADDRESS, a.toString()).toString()).toList()));
                }
                return "ipv4";
            }
            case "tcp" -> {
                // From the composition's plan, like the handlers: the linked plan's description includes them.
                body.addStatement("$T tcp = new $T(loop, net, random, plan.network().orElseThrow().tcpSettings())", TCP_PART,
                        TCP_PART);
                return "tcp";
            }
            default -> {
                return service(body, name, plan);
            }
        }
    }

    private static String service(CodeBlock.Builder body, String name, Plan plan) {
        List<Service> services = plan.services();
        for (int i = 0; i < services.size(); i++) {
            Service service = services.get(i);
            if (!name.equals(service.protocol() + ":" + service.port())) {
                continue;
            }
            String variable = service.protocol() + service.port();
            switch (service) {
                case Service.TcpListen l -> body.addStatement(
                        "$T $L = new $T(tcp, $L, (($T) plan.services().get($L)).handler())",
                        SERVICE_PART.nestedClass("Listen"), variable, SERVICE_PART.nestedClass("Listen"), l.port(),
                        SERVICE.nestedClass("TcpListen"), i);
                case Service.TcpServe s -> body.addStatement(
                        "$T $L = new $T(tcp, $L, (($T) plan.services().get($L)).handler())",
                        SERVICE_PART.nestedClass("Serve"), variable, SERVICE_PART.nestedClass("Serve"), s.port(),
                        SERVICE.nestedClass("TcpServe"), i);
                case Service.Http h -> body.addStatement(
                        "$T service$L = ($T) plan.services().get($L)", SERVICE.nestedClass("Http"), i,
                        SERVICE.nestedClass("Http"), i)
                        .addStatement("$T $L = new $T(loop, tcp, $L, service$L.settings(), service$L.routes())",
                                SERVICE_PART.nestedClass("Http"), variable, SERVICE_PART.nestedClass("Http"), h.port(),
                                i, i);
                case Service.Udp u -> body.addStatement(
                        "$T $L = new $T(udp, $L, (($T) plan.services().get($L)).handler())",
                        SERVICE_PART.nestedClass("Udp"), variable, SERVICE_PART.nestedClass("Udp"), u.port(),
                        SERVICE.nestedClass("Udp"), i);
            }
            return variable;
        }
        throw new IllegalStateException("part '" + name + "' is not a service of the plan");
    }
}
