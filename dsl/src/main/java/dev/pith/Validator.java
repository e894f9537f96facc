package dev.pith;

import dev.pith.net.Ipv4Address;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the step types cannot check: names, sizes, addresses, ports. Every message says what to
 * change. Also orders the plan's parts so each starts after the parts it requires.
 */
final class Validator {

    static final int MIN_MEMORY_MIB = 32;
    static final int MAX_MEMORY_MIB = 1 << 20;
    static final int MAX_CPUS = 64;

    private Validator() {}

    static Plan validate(Plan draft) {
        List<String> problems = new ArrayList<>();
        checkName(draft.name(), problems);
        checkResources(draft.resources(), problems);
        checkDisks(draft.disks(), problems);
        draft.network().ifPresent(n -> checkIpv4(n.ipv4(), problems));
        checkPorts(draft.services(), problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("unikernel '" + draft.name() + "' cannot be built:\n  - "
                    + String.join("\n  - ", problems));
        }
        return new Plan(draft.name(), draft.resources(), draft.disks(), draft.network(), draft.services(), draft.task(),
                startOrder(declaredParts(draft)));
    }

    private static void checkName(String name, List<String> problems) {
        if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            problems.add("name '" + name + "': use 1-63 lowercase letters, digits and '-', starting with a letter or digit"
                    + " (it names the image file)");
        }
    }

    private static void checkResources(Plan.Resources resources, List<String> problems) {
        if (resources.memoryMib() < MIN_MEMORY_MIB || resources.memoryMib() > MAX_MEMORY_MIB) {
            problems.add("memoryMib(" + resources.memoryMib() + "): use " + MIN_MEMORY_MIB + ".." + MAX_MEMORY_MIB
                    + " MiB; a JVM does not start in less than " + MIN_MEMORY_MIB);
        }
        if (resources.cpus() < 1 || resources.cpus() > MAX_CPUS) {
            problems.add("cpus(" + resources.cpus() + "): use 1.." + MAX_CPUS);
        }
        for (String option : resources.jvmOptions()) {
            if (option == null || !option.startsWith("-") || option.isBlank() || option.contains("\n")) {
                problems.add("jvmOptions: '" + option + "' is not a JVM option; options start with '-', like -Xmx64m");
            }
        }
    }

    private static void checkDisks(List<Disk> disks, List<String> problems) {
        Map<String, Disk> byName = new HashMap<>();
        for (Disk disk : disks) {
            Disk earlier = byName.putIfAbsent(disk.name(), disk);
            if (earlier != null) {
                problems.add("two disks are named '" + disk.name() + "' (" + earlier + " and " + disk
                        + "): give each disk its own name");
            }
        }
    }

    private static void checkIpv4(Ipv4 ipv4, List<String> problems) {
        if (!(ipv4 instanceof Ipv4.Static s)) {
            return;
        }
        Ipv4Address a = s.address();
        int prefix = s.prefixLength();
        String where = "ipv4 " + s;
        if (a.isAny() || a.isBroadcast() || a.isMulticast() || a.isLoopback()) {
            problems.add(where + ": " + a + " cannot be a host's address; use a unicast address such as 10.0.2.15/24");
        } else if (prefix == 0) {
            problems.add(where + ": prefix length 0 puts every address on the link; use the subnet's length, such as /24");
        } else if (prefix <= 30) {
            int hostBits = ~Ipv4Address.mask(prefix);
            if ((a.bits() & hostBits) == 0) {
                problems.add(where + ": " + a + " is the subnet's network address; use a host address inside it, such as "
                        + new Ipv4Address(a.bits() + 1) + "/" + prefix);
            } else if ((a.bits() & hostBits) == hostBits) {
                problems.add(where + ": " + a + " is the subnet's broadcast address; use a host address inside it, such as "
                        + new Ipv4Address(a.bits() - 1) + "/" + prefix);
            }
        }
        s.gateway().ifPresent(g -> {
            if (g.equals(a)) {
                problems.add(where + ": the gateway is this host's own address; name the router's address");
            } else if (!g.sameSubnet(a, prefix)) {
                problems.add(where + ": gateway " + g + " is not in " + new Ipv4Address(a.bits() & Ipv4Address.mask(prefix))
                        + "/" + prefix + "; a gateway must be reachable on the link, so use an address inside the subnet"
                        + " or widen the prefix");
            }
        });
        for (Ipv4Address dns : s.dns()) {
            if (dns.isAny() || dns.isBroadcast() || dns.isMulticast()) {
                problems.add(where + ": DNS server " + dns + " is not a unicast address");
            }
        }
    }

    private static void checkPorts(List<Service> services, List<String> problems) {
        Map<String, Service> byPort = new HashMap<>();
        for (Service service : services) {
            Service earlier = byPort.putIfAbsent(service.protocol() + "/" + service.port(), service);
            if (earlier != null) {
                problems.add(service.protocol() + " port " + service.port() + " is used twice (" + earlier + " and " + service
                        + "): give each service its own port");
            }
        }
    }

    /** The parts of a plan and what each requires; the stack's layering shows in the edges. */
    static Map<String, List<String>> declaredParts(Plan plan) {
        Map<String, List<String>> parts = new LinkedHashMap<>();
        for (Disk disk : plan.disks()) {
            parts.put("disk:" + disk.name(), List.of());
        }
        plan.network().ifPresent(n -> {
            parts.put("net", List.of());
            // DHCP runs over UDP, so UDP comes up before the address when DHCP configures it.
            boolean dhcp = n.ipv4() instanceof Ipv4.Dhcp;
            if (n.udp() || dhcp) {
                parts.put("udp", List.of("net"));
            }
            parts.put("ipv4", dhcp ? List.of("net", "udp") : List.of("net"));
            if (n.tcp()) {
                parts.put("tcp", List.of("ipv4"));
            }
        });
        for (Service service : plan.services()) {
            // A service waits for its protocol and for the address it is reached at.
            parts.put(service.protocol() + ":" + service.port(), List.of(service.protocol(), "ipv4"));
        }
        if (plan.task().isPresent()) {
            parts.put("task", List.copyOf(parts.keySet())); // after everything: the task uses what it likes
        }
        return parts;
    }

    /** Kahn's algorithm, taking ready parts in declaration order so the result is stable. */
    static List<Plan.Part> startOrder(Map<String, List<String>> parts) {
        Map<String, Integer> waitingOn = new LinkedHashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        for (var entry : parts.entrySet()) {
            for (String required : entry.getValue()) {
                if (!parts.containsKey(required)) {
                    throw new IllegalArgumentException("part '" + entry.getKey() + "' requires '" + required + "', which is missing");
                }
                dependents.computeIfAbsent(required, k -> new ArrayList<>()).add(entry.getKey());
            }
            waitingOn.put(entry.getKey(), entry.getValue().size());
        }
        Deque<String> ready = new ArrayDeque<>();
        waitingOn.forEach((part, count) -> {
            if (count == 0) {
                ready.add(part);
            }
        });
        List<Plan.Part> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String part = ready.poll();
            order.add(new Plan.Part(part, parts.get(part)));
            for (String dependent : dependents.getOrDefault(part, List.of())) {
                if (waitingOn.merge(dependent, -1, Integer::sum) == 0) {
                    ready.add(dependent);
                }
            }
        }
        if (order.size() != parts.size()) {
            Set<String> stuck = new TreeSet<>(parts.keySet());
            order.forEach(p -> stuck.remove(p.name()));
            throw new IllegalArgumentException("parts require each other in a cycle: " + stuck);
        }
        return order;
    }
}
