package io.dl4jdms.checkpoint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Which settings differ between a checkpoint and the run that wants to resume it. */
public final class SettingsDiff {

    private SettingsDiff() {
    }

    /**
     * Parses a one-line description of settings, {@code key=value} pairs separated by spaces (a value may
     * itself hold spaces, e.g. a path: a new pair starts only where a word is followed by {@code =}).
     */
    public static Map<String, String> parse(String description) {
        Map<String, String> settings = new LinkedHashMap<>();
        if (description == null || description.isBlank()) {
            return settings;
        }
        for (String pair : description.trim().split(" (?=[A-Za-z][A-Za-z0-9_.-]*=)")) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                settings.put(pair, "");
            } else {
                settings.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return settings;
    }

    /**
     * Each setting whose value differs, as {@code name: checkpoint X, now Y} ({@code absent} for a setting
     * only one side has); empty when the settings agree.
     */
    public static List<String> differences(Map<String, String> checkpoint, Map<String, String> now) {
        Set<String> names = new LinkedHashSet<>(checkpoint.keySet());
        names.addAll(now.keySet());
        List<String> out = new ArrayList<>();
        for (String name : names) {
            String a = checkpoint.get(name);
            String b = now.get(name);
            if (!Objects.equals(a, b)) {
                out.add(name + ": checkpoint " + (a == null ? "absent" : a) + ", now " + (b == null ? "absent" : b));
            }
        }
        return out;
    }

    /** {@link #differences(Map, Map)} of two one-line descriptions. */
    public static List<String> differences(String checkpoint, String now) {
        return differences(parse(checkpoint), parse(now));
    }
}
