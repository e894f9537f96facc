package dev.pith.image.prune;

import java.util.Objects;
import org.objectweb.asm.Type;

/**
 * Where reachability starts: an entry method (the generated boot class's {@code main}) or every member
 * of a class. Keep rules ({@link KeepRules}) add more roots.
 */
public sealed interface Root {

    /** The method {@code owner.name descriptor}; its class is initialised, as the JVM does for a main class. */
    static Root method(Type owner, String name, String descriptor) {
        return new MethodRoot(owner, name, descriptor);
    }

    /** {@code public static void main(String[])} of {@code owner}. */
    static Root main(Type owner) {
        return new MethodRoot(owner, "main", "([Ljava/lang/String;)V");
    }

    /** Every method and field of {@code owner}; it is initialised, and instantiated unless abstract. */
    static Root allMembers(Type owner) {
        return new ClassRoot(owner);
    }

    /** An entry method. */
    record MethodRoot(Type owner, String name, String descriptor) implements Root {
        public MethodRoot {
            Objects.requireNonNull(owner, "owner == null");
            Objects.requireNonNull(name, "name == null");
            Objects.requireNonNull(descriptor, "descriptor == null");
            if (owner.getSort() != Type.OBJECT) {
                throw new IllegalArgumentException("owner is not a class type: " + owner);
            }
            Type.getMethodType(descriptor); // throws on a malformed descriptor
        }

        @Override
        public String toString() {
            return owner.getClassName() + "." + name + descriptor;
        }
    }

    /** A class kept with all its members. */
    record ClassRoot(Type owner) implements Root {
        public ClassRoot {
            Objects.requireNonNull(owner, "owner == null");
            if (owner.getSort() != Type.OBJECT) {
                throw new IllegalArgumentException("owner is not a class type: " + owner);
            }
        }

        @Override
        public String toString() {
            return owner.getClassName() + " { * }";
        }
    }
}
