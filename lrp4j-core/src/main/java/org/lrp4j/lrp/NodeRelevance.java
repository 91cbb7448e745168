package org.lrp4j.lrp;

/**
 * Conservation at one node, per image: the relevance that reached the node's output, the total it sent to its
 * inputs, and the difference, which the bias and the stabilizer absorbed (or, for rules that do not conserve,
 * created).
 */
public record NodeRelevance(String node, String opType, String rule, double[] out, double[] in, double[] bias) {

    /** The part of {@link #absorbed()} the bias took, per image (zeros when the rule has no bias term). */
    public double[] biasAbsorbed() {
        return bias == null ? new double[out.length] : bias.clone();
    }

    /** The rest of {@link #absorbed()}: the stabilizer's share (and, for non-conserving rules, their excess). */
    public double[] stabilizerAbsorbed() {
        double[] a = absorbed();
        double[] b = biasAbsorbed();
        for (int i = 0; i < a.length; i++) {
            a[i] -= b[i];
        }
        return a;
    }

    public double[] absorbed() {
        double[] a = new double[out.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = out[i] - in[i];
        }
        return a;
    }
}
