package dev.pith.core.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

/**
 * Loading {@link Linux} links no downcall handle, and a call links exactly its own, once.
 *
 * <p>Other tests in this JVM have already made calls, so the test loads a fresh copy of the package's classes in a
 * class loader of its own, whose counter starts from nothing.
 */
class LazinessTest {
    @Test
    void loadingLinksNothingAndFirstCallLinksOneHandle() throws Exception {
        URL classes = Linux.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> linux = Class.forName(Linux.class.getName(), true, loader);
            assertNotSame(Linux.class, linux, "a fresh copy, not the one other tests used");
            Method created = linux.getDeclaredMethod("downcallHandlesCreated");
            created.setAccessible(true);
            Method getpid = linux.getMethod("getpid");

            int afterLoading = (int) created.invoke(null);
            assertEquals(0, afterLoading, "initializing Linux links no handle");

            getpid.invoke(null);
            getpid.invoke(null);

            assertEquals(afterLoading + 1, (int) created.invoke(null), "two getpid calls link one handle");
        }
    }
}
