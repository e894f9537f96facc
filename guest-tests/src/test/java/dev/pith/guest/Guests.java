package dev.pith.guest;

import dev.pith.image.link.ImageLinker;
import dev.pith.image.link.LinkedImage;
import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Links this module's guest applications into images. */
final class Guests {

    private Guests() {}

    static LinkedImage link(Class<?> composition) throws Exception {
        List<Path> classPath = new ArrayList<>();
        classPath.add(Path.of("target", "classes"));
        Arrays.stream(Files.readString(Path.of("target", "runtime-classpath.txt")).strip().split(File.pathSeparator))
                .filter(s -> !s.isBlank()).map(Path::of).forEach(classPath::add);
        return ImageLinker.builder()
                .classPath(classPath)
                .composition(composition.getName())
                .output(Path.of("target", "images", composition.getSimpleName()))
                .build()
                .link();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
