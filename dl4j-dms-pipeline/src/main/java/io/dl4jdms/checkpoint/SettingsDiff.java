package io.dl4jdms.checkpoint;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Which settings differ between a checkpoint's settings map and the map of the run that wants to resume it. */
public final class SettingsDiff {

    private SettingsDiff() {
    }

    /**
     * Each setting whose value differs, as {@code name: checkpoint X, now Y} ({@code absent} for a setting
     * only one side has), in the checkpoint's order and then the new settings'; empty when the settings agree.
     */
    public static List<String> differences(Map<String, ?> checkpoint, Map<String, ?> now) {
        Set<String> names = new LinkedHashSet<>(checkpoint.keySet());
        names.addAll(now.keySet());
        List<String> out = new ArrayList<>();
        for (String name : names) {
            Object a = checkpoint.get(name);
            Object b = now.get(name);
            if (!Objects.equals(a, b)) {
                out.add(name + ": checkpoint " + (a == null ? "absent" : a) + ", now " + (b == null ? "absent" : b));
            }
        }
        return out;
    }
}
