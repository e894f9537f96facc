package dev.pith.image.prune;

import dev.pith.image.ImageException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What reflection needs and the analysis cannot see: classes and members that are roots whatever
 * the code does. Three sources:
 *
 * <ul>
 *   <li>any class, method or field annotated with an annotation whose simple name is {@code Keep}, in
 *       any package and of any retention (a {@code @Keep} on a class keeps all its members) — found by
 *       {@link Reachability} itself;</li>
 *   <li>{@value ClassPath#KEEP_FILE} in any jar or directory of the class path ({@link #fromClassPath});</li>
 *   <li>rules the image linker adds ({@link #parse}).</li>
 * </ul>
 *
 * <p>The file has one rule a line; {@code #} starts a comment:
 *
 * <pre>
 * class com.example.Foo                 # the class, initialised, with its constructors
 * class com.example.Foo { * }           # the class with every method and field
 * method com.example.Foo bar(I)V        # one method (name and JVM descriptor)
 * method com.example.Foo bar            # every method of that name
 * field com.example.Foo baz             # one field (its class is initialised)
 * package com.example.plugins           # every class of the package (not sub-packages), all members
 * </pre>
 *
 * <p>Class names are binary names ({@code com.example.Outer$Inner}). A malformed line is an
 * {@link ImageException} naming the file and line; a rule naming a class the class path lacks is a
 * warning of the analysis, since it may be meant for an optional library.
 */
public final class KeepRules {

    /** One rule; {@link #location()} says where it was written ({@code file:line}). */
    public sealed interface Rule {
        /** Where the rule comes from, for reports and messages. */
        String location();
    }

    /** {@code class X} (constructors, initialiser) or {@code class X { * }} (all members). */
    public record ClassRule(String className, boolean allMembers, String location) implements Rule {
        public ClassRule {
            Objects.requireNonNull(className, "className == null");
        }
    }

    /** {@code method X name(desc)}, or {@code method X name} when {@code descriptor} is null. */
    public record MethodRule(String className, String name, String descriptor, String location) implements Rule {
        public MethodRule {
            Objects.requireNonNull(className, "className == null");
            Objects.requireNonNull(name, "name == null");
        }
    }

    /** {@code field X name}. */
    public record FieldRule(String className, String name, String location) implements Rule {
        public FieldRule {
            Objects.requireNonNull(className, "className == null");
            Objects.requireNonNull(name, "name == null");
        }
    }

    /** {@code package p}: every class directly in {@code p}, with all members. */
    public record PackageRule(String packageName, String location) implements Rule {
        public PackageRule {
            Objects.requireNonNull(packageName, "packageName == null");
        }
    }

    private static final String ID = "[\\p{javaJavaIdentifierStart}][\\p{javaJavaIdentifierPart}]*";
    private static final String QUALIFIED = ID + "(?:\\." + ID + ")*";
    private static final String FIELD_TYPE = "\\[*(?:[ZBCSIJFD]|L[^;.\\[()]+;)";
    private static final Pattern CLASS = Pattern.compile("class\\s+(" + QUALIFIED + ")(\\s*\\{\\s*\\*\\s*})?");
    private static final Pattern METHOD = Pattern.compile(
            "method\\s+(" + QUALIFIED + ")\\s+(" + ID + "|<init>|<clinit>)(\\((?:" + FIELD_TYPE + ")*\\)(?:V|" + FIELD_TYPE + "))?");
    private static final Pattern FIELD = Pattern.compile("field\\s+(" + QUALIFIED + ")\\s+(" + ID + ")");
    private static final Pattern PACKAGE = Pattern.compile("package\\s+(" + QUALIFIED + ")");
    private static final String SYNTAX = "write one rule a line: 'class a.B', 'class a.B { * }', 'method a.B name(I)V', "
            + "'method a.B name', 'field a.B name', 'package a.b' or a '#' comment";

    private static final KeepRules NONE = new KeepRules(List.of());

    private final List<Rule> rules;

    private KeepRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** No rules. */
    public static KeepRules none() {
        return NONE;
    }

    /** These rules. */
    public static KeepRules of(List<? extends Rule> rules) {
        return new KeepRules(new ArrayList<>(rules));
    }

    /**
     * The rules in {@code text}, as written in a keep file; {@code source} names it in locations and
     * errors.
     *
     * @throws ImageException for a malformed line, naming {@code source} and the line number
     */
    public static KeepRules parse(String source, String text) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            String rule = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (rule.isEmpty()) {
                continue;
            }
            String location = source + ":" + (i + 1);
            Matcher m;
            if ((m = CLASS.matcher(rule)).matches()) {
                rules.add(new ClassRule(m.group(1), m.group(2) != null, location));
            } else if ((m = METHOD.matcher(rule)).matches()) {
                rules.add(new MethodRule(m.group(1), m.group(2), m.group(3), location));
            } else if ((m = FIELD.matcher(rule)).matches()) {
                rules.add(new FieldRule(m.group(1), m.group(2), location));
            } else if ((m = PACKAGE.matcher(rule)).matches()) {
                rules.add(new PackageRule(m.group(1), location));
            } else {
                throw new ImageException(location + ": malformed keep rule '" + rule + "'", SYNTAX);
            }
        }
        return new KeepRules(rules);
    }

    /** The rules of every {@value ClassPath#KEEP_FILE} on {@code classPath}, in class path order. */
    public static KeepRules fromClassPath(ClassPath classPath) {
        List<Rule> rules = new ArrayList<>();
        for (ClassPath.Resource file : classPath.resources(ClassPath.KEEP_FILE)) {
            String text = new String(classPath.read(file), StandardCharsets.UTF_8);
            rules.addAll(parse(ClassPath.location(file), text).rules());
        }
        return new KeepRules(rules);
    }

    /** These rules followed by {@code other}'s. */
    public KeepRules and(KeepRules other) {
        List<Rule> all = new ArrayList<>(rules);
        all.addAll(other.rules);
        return new KeepRules(all);
    }

    /** The rules, in the order written. */
    public List<Rule> rules() {
        return rules;
    }

    /** Whether {@code annotationDescriptor} ({@code Lcom/example/Keep;}) names a keep annotation. */
    public static boolean isKeepAnnotation(String annotationDescriptor) {
        return annotationDescriptor.endsWith("/Keep;") || annotationDescriptor.endsWith("$Keep;")
                || annotationDescriptor.equals("LKeep;");
    }
}
