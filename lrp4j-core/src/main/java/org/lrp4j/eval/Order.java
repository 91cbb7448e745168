package org.lrp4j.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The order in which regions are perturbed: most relevant first (MoRF), least relevant first (LeRF, exactly the
 * MoRF order reversed, ties included), or a seeded random order that does not depend on the relevance and so is the
 * same for every method.
 */
public enum Order {
    MORF, LERF, RANDOM;

    /** The command-line name: morf, lerf or random. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads one order name. */
    public static Order parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Order o : values()) {
            if (o.label().equals(t)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown order '" + text + "'; orders: morf, lerf, random");
    }

    /** Reads a comma-separated list of order names (no duplicates). */
    public static List<Order> parseList(String text) {
        List<Order> out = new ArrayList<>();
        for (String part : text.split(",")) {
            Order o = parse(part);
            if (out.contains(o)) {
                throw new IllegalArgumentException("order '" + o.label() + "' is given twice in '" + text + "'");
            }
            out.add(o);
        }
        return List.copyOf(out);
    }
}
