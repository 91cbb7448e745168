package org.lrp4j.explain;

import org.lrp4j.graph.Model;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.tensor.Tensor;

/**
 * Explains a model's output for given inputs: an attribution with the shape of the input. LRP and the other
 * methods share this interface, so they are used and compared alike.
 */
public interface Explainer {

    Explanation explain(Tensor input, Targets targets);

    /** LRP with a composite and the automatic canonizers; see {@link LrpExplainer#builder} for every option. */
    static LrpExplainer lrp(Model model, Composite composite) {
        return LrpExplainer.builder(model, composite).build();
    }
}
