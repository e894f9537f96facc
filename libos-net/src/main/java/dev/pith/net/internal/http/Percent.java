package dev.pith.net.internal.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Percent-decoding of URI parts (RFC 3986 §2.1), to UTF-8 text. */
public final class Percent {

    private Percent() {}

    /**
     * Decodes {@code s[from, to)}: each {@code %XX} becomes the byte XX, the bytes are read as
     * UTF-8 (malformed sequences become U+FFFD), and with {@code plusIsSpace} each {@code +}
     * becomes a space (HTML form encoding, as query strings use it). A {@code %} not followed by
     * two hex digits makes the result null when {@code strict}, and stays as it is otherwise.
     */
    public static String decode(String s, int from, int to, boolean plusIsSpace, boolean strict) {
        int i = from;
        while (i < to && s.charAt(i) != '%' && !(plusIsSpace && s.charAt(i) == '+')) {
            i++;
        }
        if (i == to) {
            return s.substring(from, to); // the common case: nothing to decode
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
        for (int j = from; j < to; j++) {
            char c = s.charAt(j);
            if (c == '%') {
                int high = j + 2 < to ? hex(s.charAt(j + 1)) : -1;
                int low = high >= 0 ? hex(s.charAt(j + 2)) : -1;
                if (low < 0) {
                    if (strict) {
                        return null;
                    }
                    bytes.write('%');
                    continue;
                }
                bytes.write(high << 4 | low);
                j += 2;
            } else if (c == '+' && plusIsSpace) {
                bytes.write(' ');
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Returns the value of hex digit {@code c}, or -1. */
    public static int hex(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
