package dev.pith.image.link;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The linker's AOT training of a composition with a task: the task never runs on the build host. */
class ImageLinkerTest {

    @Test
    @Timeout(180)
    void theAotTrainingDoesNotRunATaskOnTheBuildHost(@TempDir Path out) throws Exception {
        List<Path> classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of).filter(Files::exists).toList();
        long start = System.nanoTime();
        LinkedImage image = ImageLinker.builder()
                .classPath(classPath)
                .composition(Compositions.class.getName())
                .compositionMethod("stubborn")
                .output(out)
                .disk(false)
                .aotCache(true)
                .build()
                .link();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String log = Files.readString(out.resolve("aot").resolve("training.log"));
        assertTrue(log.contains("AOT training of 'stubborn'") && log.contains("not started hosted: it has a task"), log);
        assertTrue(Files.size(out.resolve("aot").resolve("app.aot")) > 1_000_000, "a cache was written");
        assertTrue(image.guest().commandLine().toString().contains("-XX:AOTCache=/app/app.aot"),
                image.guest().commandLine().toString());
        assertTrue(took.compareTo(Duration.ofSeconds(150)) < 0, "linked in " + took);
    }
}
