package org.lrp4j.lrp.canonizers;

import java.util.List;

/**
 * A rewrite of the model graph before explaining, which leaves the model's function unchanged but gives LRP
 * rules a graph they apply to (e.g. BatchNorm merged into its Conv). Canonizers work on any topology and never
 * change the original model.
 */
public interface Canonizer {

    Canonized apply(Canonized in);

    String name();

    /** Applies canonizers in order. */
    static Canonized applyAll(List<Canonizer> canonizers, Canonized start) {
        Canonized c = start;
        for (Canonizer k : canonizers) {
            c = k.apply(c);
        }
        return c;
    }

    /** What {@code --canonize auto} applies: merge BatchNorm, fold Identity/Dropout, norm for residual Add/Concat. */
    static List<Canonizer> auto() {
        return List.of(new MergeBatchNorm(), new FoldIdentity(), new ResidualNorm());
    }
}
