package org.lrp4j.svm;

import java.util.List;

import org.lrp4j.lrp.ConservationReport;
import org.lrp4j.lrp.NodeRelevance;

/**
 * The relevance of one image's decision, layer by layer: the SVM's decomposition over the V Bag-of-Words dimensions
 * ({@link #svm}), over the M local features ({@link #local}) and over the pixels ({@link #pixels}, [C H W]).
 * {@link #pooledAway} is what the pooling layer's epsilon stabilizer absorbed.
 */
public record BowExplanation(int column, int label, SvmExplanation svm, double[] local, float[] pixels,
                             double pooledAway) {

    public BowExplanation {
        local = local.clone();
        pixels = pixels.clone();
    }

    @Override
    public double[] local() {
        return local.clone();
    }

    @Override
    public float[] pixels() {
        return pixels.clone();
    }

    /** The sum of the pixel relevances. */
    public double pixelSum() {
        double s = 0;
        for (float v : pixels) {
            s += v;
        }
        return s;
    }

    /**
     * The network-style conservation report: the decision at the output, the pixels' total at the input, and per
     * layer what entered and left (the SVM layer's "bias took" is b, or f(x0) + remainder for a Taylor
     * decomposition; the pooling layer's stabilizer share is what epsilon absorbed).
     */
    public ConservationReport conservation() {
        double words = svm.relevanceSum();
        double localSum = 0;
        for (double v : local) {
            localSum += v;
        }
        double svmRest = svm.method() == SvmExplanation.Method.TAYLOR ? svm.rootValue() + svm.remainder() : svm.bias();
        String rule = svm.method() == SvmExplanation.Method.TAYLOR ? "taylor at root" : "decomposition";
        List<NodeRelevance> nodes = List.of(
                new NodeRelevance("svm", "KernelSvm", rule, new double[] {svm.decision()}, new double[] {words},
                        new double[] {svmRest}),
                new NodeRelevance("pooling", "PMeans", "m^p share, epsilon", new double[] {words},
                        new double[] {localSum}, new double[] {0}),
                new NodeRelevance("patches", "LocalFeature", "uniform over support", new double[] {localSum},
                        new double[] {pixelSum()}, new double[] {0}));
        return new ConservationReport(new double[] {svm.decision()}, new double[] {pixelSum()}, nodes, List.of());
    }
}
