package org.lrp4j.lrp.canonizers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.Dropout;
import org.lrp4j.layers.Identity;

/** Removes Identity and Dropout nodes (inference no-ops), wiring their readers to their input. */
public final class FoldIdentity implements Canonizer {

    @Override
    public String name() {
        return "fold-identity";
    }

    @Override
    public Canonized apply(Canonized in) {
        Model model = in.model();
        Map<String, String> alias = new HashMap<>();
        List<Node> kept = new ArrayList<>();
        List<String> notes = new ArrayList<>(in.notes());
        for (Node n : model.nodes()) {
            boolean noOp = n.layer() instanceof Identity || n.layer() instanceof Dropout;
            if (noOp && !model.outputs().contains(n.output())) {
                alias.put(n.output(), resolve(alias, n.inputs().get(0)));
                notes.add("folded " + n.opType() + " '" + n.name() + "'");
            } else {
                kept.add(n);
            }
        }
        if (alias.isEmpty()) {
            return in;
        }
        List<Node> rewired = new ArrayList<>(kept.size());
        for (Node n : kept) {
            List<String> inputs = n.inputs().stream().map(s -> resolve(alias, s)).toList();
            rewired.add(new Node(n.name(), n.layer(), inputs, n.output()));
        }
        Map<String, org.lrp4j.lrp.rules.Rule> rules = new LinkedHashMap<>(in.rules());
        rules.keySet().removeIf(k -> kept.stream().noneMatch(n -> n.name().equals(k)));
        return new Canonized(model.withNodes(rewired, model.outputs()), rules, notes);
    }

    private static String resolve(Map<String, String> alias, String name) {
        String s = name;
        while (alias.containsKey(s)) {
            s = alias.get(s);
        }
        return s;
    }
}
