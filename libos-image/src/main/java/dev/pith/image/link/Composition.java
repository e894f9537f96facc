package dev.pith.image.link;

import dev.pith.Plan;
import dev.pith.Unikernel;
import dev.pith.image.ImageException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * Evaluates an application's composition at build time: loads its class path, calls its static
 * composition method (by convention {@code static Unikernel unikernel()}) and returns the plan.
 * Reflection is fine here, at build time; the image's own start path uses none.
 */
public final class Composition {

    private Composition() {}

    /** Calls {@code className.methodName()} with {@code classPath} and returns the unikernel's plan. */
    public static Plan evaluate(List<Path> classPath, String className, String methodName) {
        URL[] urls = classPath.stream().map(Composition::url).toArray(URL[]::new);
        // Parent first: the Pith classes the plan is made of are the linker's own, so the Plan can be read here.
        try (URLClassLoader loader = new URLClassLoader("pith-app", urls, Composition.class.getClassLoader())) {
            Class<?> type;
            try {
                type = Class.forName(className, false, loader);
            } catch (ClassNotFoundException e) {
                throw new ImageException("the composition class " + className + " is not on the class path " + classPath,
                        "name the class that holds 'static Unikernel " + methodName + "()', e.g. -Dpith.composition=com.example.App",
                        e);
            }
            Method method;
            try {
                method = type.getMethod(methodName);
            } catch (NoSuchMethodException e) {
                throw new ImageException(className + " has no public method " + methodName + "()",
                        "add 'public static Unikernel " + methodName + "() { return Unikernel.builder(...)...build(); }'", e);
            }
            if (!Modifier.isStatic(method.getModifiers()) || !Unikernel.class.isAssignableFrom(method.getReturnType())) {
                throw new ImageException(className + "." + methodName + "() must be static and return dev.pith.Unikernel",
                        "declare it as 'public static Unikernel " + methodName + "()'");
            }
            try {
                return ((Unikernel) method.invoke(null)).plan();
            } catch (InvocationTargetException e) {
                throw new ImageException(className + "." + methodName + "() failed: " + e.getCause(),
                        "fix the composition: the message above says what build() refused", e.getCause());
            }
        } catch (java.io.IOException | IllegalAccessException e) {
            throw new ImageException("cannot evaluate " + className + "." + methodName + "(): " + e, "check the class path", e);
        }
    }

    private static URL url(Path path) {
        try {
            return path.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(path.toString(), e);
        }
    }
}
