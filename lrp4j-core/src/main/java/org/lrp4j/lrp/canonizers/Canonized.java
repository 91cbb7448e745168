package org.lrp4j.lrp.canonizers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.graph.Model;
import org.lrp4j.lrp.rules.Rule;

/**
 * A model after canonizers: the rewritten graph, the rules the canonizers fixed for some nodes (e.g. norm for a
 * residual Add), and a note of each rewrite for the report.
 */
public record Canonized(Model model, Map<String, Rule> rules, List<String> notes) {

    public Canonized {
        rules = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rules));
        notes = List.copyOf(notes);
    }

    public static Canonized of(Model model) {
        return new Canonized(model, Map.of(), List.of());
    }
}
