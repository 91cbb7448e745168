package org.lrp4j.lrp.composites;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.graph.GraphException;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.lrp.rules.Rule;

/**
 * Which rule each node gets: an ordered list of (selector, rule) entries, where later entries override
 * earlier ones, and an optional default for nodes no entry covers. Immutable; {@link #with} returns a new
 * composite. {@link Composites} has the presets.
 */
public final class Composite {

    /** One entry: the nodes it selects and their rule. */
    public record Entry(Selector selector, Rule rule) {
    }

    private final String name;
    private final List<Entry> entries;
    private final Rule defaultRule;

    private Composite(String name, List<Entry> entries, Rule defaultRule) {
        this.name = name;
        this.entries = List.copyOf(entries);
        this.defaultRule = defaultRule;
    }

    /** A composite with no entries and no default. */
    public static Composite empty(String name) {
        return new Composite(name, List.of(), null);
    }

    public String name() {
        return name;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** Appends an entry; it overrides earlier entries on the nodes it selects. */
    public Composite with(Selector selector, Rule rule) {
        List<Entry> e = new ArrayList<>(entries);
        e.add(new Entry(selector, rule));
        return new Composite(name, e, defaultRule);
    }

    /** The rule of nodes no entry selects (without one, such a node is an error). */
    public Composite withDefault(Rule rule) {
        return new Composite(name, entries, rule);
    }

    public Composite named(String newName) {
        return new Composite(newName, entries, defaultRule);
    }

    /**
     * The rule of every node of {@code model}, in graph order. A node that no entry covers is an error naming it,
     * unless a default rule was chosen.
     */
    public Map<String, Rule> assign(Model model) {
        Map<String, Rule> rules = assignCovered(model);
        List<String> uncovered = new ArrayList<>();
        for (Node n : model.nodes()) {
            if (!rules.containsKey(n.name())) {
                uncovered.add("'" + n.name() + "' (" + n.opType() + ")");
            }
        }
        if (!uncovered.isEmpty()) {
            throw new GraphException("composite " + name + " gives no rule to node" + (uncovered.size() > 1 ? "s " : " ")
                    + String.join(", ", uncovered) + "; add a rule for them (e.g. --rule "
                    + uncovered.get(0).replaceAll("'(.*)' .*", "$1") + "=gradient) or choose a default rule");
        }
        return rules;
    }

    /** The rules of the nodes that an entry or the default covers; other nodes are left out. */
    public Map<String, Rule> assignCovered(Model model) {
        Map<String, Rule> rules = new LinkedHashMap<>();
        for (Node n : model.nodes()) {
            Rule r = defaultRule;
            for (Entry e : entries) {
                if (e.selector().matches(n, model)) {
                    r = e.rule();
                }
            }
            if (r != null) {
                rules.put(n.name(), r);
            }
        }
        return rules;
    }

    @Override
    public String toString() {
        return "Composite " + name + " " + entries + (defaultRule == null ? "" : " default " + defaultRule.describe());
    }
}
