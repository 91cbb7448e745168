package org.lrp4j.lrp.rules;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * Collects, per image, the relevance a node's bias absorbed: sum_j b_j * R_j / stab(z_j) for the bias variant b
 * that a rule puts into its denominator. With the total absorbed at the node, the rest is the stabilizer's share.
 */
public final class BiasLedger {
    private final boolean enabled;
    private double[] perImage;

    public BiasLedger() {
        this(true);
    }

    private BiasLedger(boolean enabled) {
        this.enabled = enabled;
    }

    /** A ledger that records nothing, for explanations without a per-node report. */
    public static BiasLedger ignoring() {
        return new BiasLedger(false);
    }

    /** Adds sum_j bias_j * ratio_j per image; bias is [C] and ratio [N, C, ...]. Null bias adds nothing. */
    public void add(Variable bias, Variable ratio) {
        if (bias == null || !enabled) {
            return;
        }
        Tensor r = ratio.value();
        int n = r.dim(0);
        int c = r.dim(1);
        int inner = r.size() / Math.max(1, n * c);
        Tensor b = bias.value();
        if (perImage == null) {
            perImage = new double[n];
        }
        float[] rd = r.data();
        int ro = r.offset();
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int ch = 0; ch < c; ch++) {
                double bv = b.getFlat(ch);
                int base = ro + (i * c + ch) * inner;
                double s = 0;
                for (int k = 0; k < inner; k++) {
                    s += rd[base + k];
                }
                acc += bv * s;
            }
            perImage[i] += acc;
        }
    }

    /** The collected share per image, or null when the rule has no bias term. */
    public double[] perImage() {
        return perImage == null ? null : perImage.clone();
    }
}
