package dev.pith.core.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The kernel command line, as {@code /proc/cmdline} shows it: words separated by spaces, a
 * double-quoted part may hold spaces ({@code name="a b"}), and the words after {@code --} are
 * init's arguments, not the kernel's (Documentation/admin-guide/kernel-parameters.rst). Pith's
 * settings are the {@code pith.*} words: {@code pith.ip=10.0.2.15/24 pith.gw=10.0.2.2 pith.log=debug}.
 */
public final class KernelCommandLine {

    /** The prefix of Pith's settings. */
    public static final String PREFIX = "pith.";

    private final List<String> words;
    private final List<String> initArguments;

    private KernelCommandLine(List<String> words, List<String> initArguments) {
        this.words = Collections.unmodifiableList(words);
        this.initArguments = Collections.unmodifiableList(initArguments);
    }

    /** Reads {@code /proc/cmdline} (proc must be mounted). */
    public static KernelCommandLine read() throws IOException {
        return parse(Files.readString(Path.of("/proc/cmdline")));
    }

    /** Splits {@code text} into words the way the kernel's {@code next_arg} does (lib/cmdline.c), quotes removed. */
    public static KernelCommandLine parse(String text) {
        List<String> words = new ArrayList<>();
        List<String> initArguments = new ArrayList<>();
        List<String> target = words;
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean inWord = false;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : ' ';
            if (c == '"') {
                quoted = !quoted;
                inWord = true;
            } else if (Character.isWhitespace(c) && !quoted || i == text.length()) {
                if (inWord) {
                    String finished = word.toString();
                    if (finished.equals("--") && target == words) {
                        target = initArguments;
                    } else {
                        target.add(finished);
                    }
                }
                word.setLength(0);
                inWord = false;
            } else {
                word.append(c);
                inWord = true;
            }
        }
        return new KernelCommandLine(words, initArguments);
    }

    /** Returns the kernel's words (before {@code --}), in order. */
    public List<String> words() {
        return words;
    }

    /** Returns the words after {@code --}, which the kernel passes to init as arguments. */
    public List<String> initArguments() {
        return initArguments;
    }

    /**
     * Returns the value of the last {@code name=value} word, "" for a bare {@code name}, empty if
     * absent; as with the kernel's own parameters, a later word wins.
     */
    public Optional<String> value(String name) {
        for (int i = words.size() - 1; i >= 0; i--) {
            String word = words.get(i);
            if (word.equals(name)) {
                return Optional.of("");
            }
            if (word.startsWith(name) && word.length() > name.length() && word.charAt(name.length()) == '=') {
                return Optional.of(word.substring(name.length() + 1));
            }
        }
        return Optional.empty();
    }

    /**
     * Returns the {@code pith.*} words as settings without the prefix: {@code pith.ip=10.0.2.15/24}
     * gives "ip" → "10.0.2.15/24", a bare {@code pith.debug} gives "debug" → "true". Later words win.
     */
    public Map<String, String> pithSettings() {
        Map<String, String> settings = new TreeMap<>();
        for (String word : words) {
            if (!word.startsWith(PREFIX) || word.length() == PREFIX.length()) {
                continue;
            }
            int equals = word.indexOf('=');
            if (equals < 0) {
                settings.put(word.substring(PREFIX.length()), "true");
            } else if (equals > PREFIX.length()) {
                settings.put(word.substring(PREFIX.length(), equals), word.substring(equals + 1));
            }
        }
        return Collections.unmodifiableMap(settings);
    }

    @Override
    public String toString() {
        return String.join(" ", words) + (initArguments.isEmpty() ? "" : " -- " + String.join(" ", initArguments));
    }
}
