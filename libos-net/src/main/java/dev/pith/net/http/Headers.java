package dev.pith.net.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An immutable list of header (or trailer) fields, in the order they arrived or were added. Names
 * compare case-insensitively (RFC 9110 §5.1); a repeated name keeps all its values, in order.
 *
 * <p>Fields built here are checked so that they cannot split a response: a name must be a token
 * (RFC 9110 §5.6.2), a value must not contain CR, LF, NUL or another control character except
 * horizontal tab, nor a character beyond ISO-8859-1 (RFC 9110 §5.5).
 */
public final class Headers {

    private static final Headers EMPTY = new Headers(new String[0]);

    /** Names at even indices, each followed by its value. */
    private final String[] namesAndValues;

    /** Takes {@code namesAndValues} as is: the caller has checked it and will not change it. */
    Headers(String[] namesAndValues) {
        this.namesAndValues = namesAndValues;
    }

    /**
     * Returns the fields {@code name1, value1, name2, value2, ...}.
     *
     * @throws IllegalArgumentException if the count is odd or a name or value is malformed
     */
    public static Headers of(String... namesAndValues) {
        Objects.requireNonNull(namesAndValues, "namesAndValues == null");
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("expected alternating names and values, got an odd count: "
                    + namesAndValues.length);
        }
        if (namesAndValues.length == 0) {
            return EMPTY;
        }
        String[] copy = namesAndValues.clone();
        for (int i = 0; i < copy.length; i += 2) {
            checkName(copy[i]);
            checkValue(copy[i], copy[i + 1]);
        }
        return new Headers(copy);
    }

    /** Returns the number of fields. */
    public int size() {
        return namesAndValues.length / 2;
    }

    /** Returns the name of field {@code index}, as it was written. */
    public String name(int index) {
        Objects.checkIndex(index, size());
        return namesAndValues[2 * index];
    }

    /** Returns the value of field {@code index}. */
    public String value(int index) {
        Objects.checkIndex(index, size());
        return namesAndValues[2 * index + 1];
    }

    /** Returns the first value of the field {@code name}, or null if there is none. */
    public String value(String name) {
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                return namesAndValues[i + 1];
            }
        }
        return null;
    }

    /** Returns every value of the field {@code name}, in order; empty if there is none. */
    public List<String> values(String name) {
        List<String> values = null;
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                if (values == null) {
                    values = new ArrayList<>(2);
                }
                values.add(namesAndValues[i + 1]);
            }
        }
        return values == null ? List.of() : List.copyOf(values);
    }

    /** Returns a copy whose only {@code name} field is {@code value}, in place of the first one if any. */
    Headers withReplaced(String name, String value) {
        checkName(name);
        checkValue(name, value);
        List<String> kept = new ArrayList<>(namesAndValues.length + 2);
        boolean placed = false;
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (namesAndValues[i].equalsIgnoreCase(name)) {
                if (!placed) {
                    kept.add(name);
                    kept.add(value);
                    placed = true;
                }
            } else {
                kept.add(namesAndValues[i]);
                kept.add(namesAndValues[i + 1]);
            }
        }
        if (!placed) {
            kept.add(name);
            kept.add(value);
        }
        return new Headers(kept.toArray(String[]::new));
    }

    /** Returns a copy with the field {@code name: value} added at the end. */
    Headers withAdded(String name, String value) {
        checkName(name);
        checkValue(name, value);
        String[] more = Arrays.copyOf(namesAndValues, namesAndValues.length + 2);
        more[namesAndValues.length] = name;
        more[namesAndValues.length + 1] = value;
        return new Headers(more);
    }

    static void checkName(String name) {
        Objects.requireNonNull(name, "header name == null");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("header name is empty");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7f || !isTokenChar(c)) {
                throw new IllegalArgumentException("header name '" + printable(name)
                        + "' has a character that is not allowed in a token (RFC 9110 §5.6.2) at index " + i);
            }
        }
    }

    static void checkValue(String name, String value) {
        Objects.requireNonNull(value, () -> "value of header " + name + " == null");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException("value of header " + name
                        + " contains CR, LF or NUL at index " + i + " (would split the response)");
            }
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException("value of header " + name + " contains control character 0x"
                        + Integer.toHexString(c) + " at index " + i + " (RFC 9110 §5.5)");
            }
            if (c > 0xff) {
                throw new IllegalArgumentException("value of header " + name + " has a character beyond ISO-8859-1 at index "
                        + i + "; encode it (RFC 8187) first");
            }
        }
    }

    /** Returns whether {@code c} is a tchar (RFC 9110 §5.6.2). */
    static boolean isTokenChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || (c > 0x20 && c < 0x7f && "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? "\\x" + Integer.toHexString(c) : String.valueOf(c));
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Headers h && Arrays.equals(namesAndValues, h.namesAndValues);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(namesAndValues);
    }

    /** Returns the fields one per line, as {@code Name: value}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            b.append(namesAndValues[i]).append(": ").append(namesAndValues[i + 1]).append('\n');
        }
        return b.toString();
    }
}
