package org.lrp4j.lrp.canonizers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.graph.Node;
import org.lrp4j.layers.Add;
import org.lrp4j.layers.Concat;
import org.lrp4j.lrp.rules.Norm;
import org.lrp4j.lrp.rules.Rule;

/**
 * Treats each addition of two computed tensors (a residual connection) and each Concat as a parameter-free
 * layer with the norm rule, R_a = a R / stab(a + b), so relevance is split in proportion to the summands and
 * conserved. Without it, an Add copies its relevance to both summands (an ordinary gradient).
 */
public final class ResidualNorm implements Canonizer {

    @Override
    public String name() {
        return "residual-norm";
    }

    @Override
    public Canonized apply(Canonized in) {
        Map<String, Rule> rules = new LinkedHashMap<>(in.rules());
        List<String> notes = new ArrayList<>(in.notes());
        for (Node n : in.model().nodes()) {
            if (n.layer() instanceof Add || n.layer() instanceof Concat) {
                rules.put(n.name(), new Norm());
                notes.add("norm rule for " + n.opType() + " '" + n.name() + "'");
            }
        }
        return new Canonized(in.model(), rules, notes);
    }
}
