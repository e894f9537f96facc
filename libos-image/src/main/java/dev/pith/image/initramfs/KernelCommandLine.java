package dev.pith.image.initramfs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The kernel command line that starts the JVM as PID 1: kernel parameters, then {@code k=v} words
 * that Linux hands to init as its environment, then {@code --} and init's arguments.
 *
 * <pre>
 * console=ttyS0 panic=-1 quiet rootfstype=ramfs rdinit=/jre/bin/java LD_LIBRARY_PATH=/jre/lib:/jre/lib/server \
 *   -- -XX:+UseSerialGC ... -cp /app/app.jar Main arg1
 * </pre>
 *
 * <p>How Linux reads it ({@code init/main.c}): a word it knows ({@code console=}, {@code rdinit=},
 * {@code quiet}) is its own; an unknown {@code k=v} word before {@code --} becomes an environment
 * variable of init (one whose name holds a dot is taken as a module parameter and dropped); an
 * unknown word without {@code =} becomes an argument of init; every word after {@code --} is an
 * argument of init, in order. {@code rdinit} is init's {@code argv[0]}. Limits, checked here: 32
 * arguments including {@code argv[0]} and 32 environment entries including the kernel's
 * {@code HOME=/} and {@code TERM=linux} ({@code CONFIG_INIT_ENV_ARG_LIMIT}); 2048 bytes in all
 * ({@code COMMAND_LINE_SIZE} on x86); no word may hold white space or a double quote, since the
 * kernel's quoting rules would change it.
 *
 * @param kernelParameters words for the kernel, such as {@code console=ttyS0}
 * @param init the program the kernel starts as PID 1 ({@code rdinit=})
 * @param environment init's environment, in order
 * @param arguments init's arguments after {@code argv[0]}
 */
public record KernelCommandLine(List<String> kernelParameters, String init, Map<String, String> environment,
                                List<String> arguments) {
    /** Words of init's argv that Linux accepts, {@code argv[0]} included. */
    public static final int MAX_INIT_ARGS = 32;
    /** Entries of init's environment Linux accepts, its own {@code HOME=/} and {@code TERM=linux} included. */
    public static final int MAX_INIT_ENVS = 32;
    /** {@code COMMAND_LINE_SIZE} of x86, the terminating NUL included. */
    public static final int MAX_LENGTH = 2048;

    /** Checks every limit Linux imposes, so that a bad line fails at build time and not as a kernel panic. */
    public KernelCommandLine {
        kernelParameters = List.copyOf(kernelParameters);
        Objects.requireNonNull(init, "init == null");
        environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        arguments = List.copyOf(arguments);
        for (String w : kernelParameters) {
            checkWord(w, "kernel parameter");
            if (w.equals("--") || w.startsWith("rdinit=") || w.startsWith("init=")) {
                throw new IllegalArgumentException("kernel parameter '" + w + "' is set by KernelCommandLine itself");
            }
        }
        checkWord(init, "init");
        if (!init.startsWith("/")) {
            throw new IllegalArgumentException("init is not an absolute path: " + init);
        }
        for (Map.Entry<String, String> e : environment.entrySet()) {
            String name = e.getKey();
            checkWord(name + "=" + e.getValue(), "environment entry");
            if (name.isEmpty() || name.contains("=") || name.contains(".")) {
                throw new IllegalArgumentException("environment name '" + name
                        + "' is empty or holds '=' or '.' (Linux drops k=v words whose name holds a dot)");
            }
        }
        for (String a : arguments) {
            checkWord(a, "init argument");
        }
        if (1 + arguments.size() > MAX_INIT_ARGS) {
            throw new IllegalArgumentException("init gets " + (1 + arguments.size()) + " arguments with argv[0], more than"
                    + " Linux's " + MAX_INIT_ARGS + " (CONFIG_INIT_ENV_ARG_LIMIT): put JVM options in an @argfile in the image"
                    + " (java @/app/jvm.args) instead");
        }
        if (2 + environment.size() > MAX_INIT_ENVS) {
            throw new IllegalArgumentException("init gets " + (2 + environment.size()) + " environment entries, more than"
                    + " Linux's " + MAX_INIT_ENVS);
        }
        int length = toString(kernelParameters, init, environment, arguments).length();
        if (length + 1 > MAX_LENGTH) {
            throw new IllegalArgumentException("kernel command line is " + length + " bytes; x86 Linux keeps at most "
                    + (MAX_LENGTH - 1) + ": shorten it (an @argfile in the image holds JVM options)");
        }
    }

    /**
     * The line for a Java application in a {@link InitramfsBuilder} layout: the JVM at
     * {@code /jre/bin/java} as PID 1 with {@code jvmOptions}, {@code -cp /app/app.jar}, {@code mainClass}
     * and {@code appArguments}; the kernel writes to the first serial port and reboots (QEMU:
     * exits, with {@code -no-reboot}) at once on panic.
     */
    public static KernelCommandLine forJava(List<String> jvmOptions, String mainClass, List<String> appArguments) {
        List<String> args = new ArrayList<>(jvmOptions);
        args.add("-cp");
        args.add(InitramfsBuilder.APP_JAR);
        args.add(Objects.requireNonNull(mainClass, "mainClass == null"));
        args.addAll(appArguments);
        return new KernelCommandLine(defaultKernelParameters(), InitramfsBuilder.JAVA_HOME + "/bin/java",
                Map.of("LD_LIBRARY_PATH", InitramfsBuilder.JAVA_HOME + "/lib:" + InitramfsBuilder.JAVA_HOME + "/lib/server"),
                args);
    }

    /**
     * {@code console=ttyS0} (the serial port QEMU captures), {@code panic=-1} (reboot at once on a
     * panic, such as PID 1 exiting), {@code quiet} (boot messages cost time on a serial port) and
     * {@code rootfstype=ramfs} (a tmpfs root would be capped at half the RAM: DESIGN.md §3).
     */
    public static List<String> defaultKernelParameters() {
        return List.of("console=ttyS0", "panic=-1", "quiet", "rootfstype=ramfs");
    }

    /** A copy with other kernel parameters. */
    public KernelCommandLine withKernelParameters(List<String> parameters) {
        return new KernelCommandLine(parameters, init, environment, arguments);
    }

    /** A copy with {@code parameters} added to the kernel parameters. */
    public KernelCommandLine plusKernelParameters(String... parameters) {
        List<String> all = new ArrayList<>(kernelParameters);
        all.addAll(List.of(parameters));
        return withKernelParameters(all);
    }

    /** The line as QEMU's {@code -append} takes it. */
    @Override
    public String toString() {
        return toString(kernelParameters, init, environment, arguments);
    }

    private static String toString(List<String> kernelParameters, String init, Map<String, String> environment,
                                   List<String> arguments) {
        StringBuilder sb = new StringBuilder();
        for (String p : kernelParameters) {
            sb.append(p).append(' ');
        }
        sb.append("rdinit=").append(init);
        environment.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        if (!arguments.isEmpty()) {
            sb.append(" --");
            for (String a : arguments) {
                sb.append(' ').append(a);
            }
        }
        return sb.toString();
    }

    private static void checkWord(String word, String what) {
        Objects.requireNonNull(word, what + " == null");
        if (word.isEmpty()) {
            throw new IllegalArgumentException(what + " is empty");
        }
        for (int i = 0; i < word.length(); i++) {
            char c = word.charAt(i);
            if (Character.isWhitespace(c) || c == '"' || c < 0x20 || c > 0x7E) {
                throw new IllegalArgumentException(what + " '" + word + "' holds white space, a quote or a non-ASCII"
                        + " character, which the kernel's command-line parser would split or strip");
            }
        }
    }
}
