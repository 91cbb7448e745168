package org.lrp4j.svm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.lrp4j.eval.Method;
import org.lrp4j.eval.MethodSpecs;
import org.lrp4j.tensor.Tensor;

/**
 * The attribution methods of a Bag-of-Words SVM pipeline for {@code lrp4j pixel-flipping --methods}, comma-separated:
 * <ul>
 *   <li>{@code lrp}: layer-wise relevance ({@link BowSvm#explain}), the bias reported apart;</li>
 *   <li>{@code lrp:equal}: the same with the bias shared equally over the BoW dimensions;</li>
 *   <li>{@code gradient}: df_c/dpixel ({@link BowSvm#gradient}, soft assignment only);</li>
 *   <li>{@code gradient-x-input}: the gradient times the input;</li>
 *   <li>{@code random}: a random heatmap, the baseline.</li>
 * </ul>
 * The targets handed to a method are score columns of {@link BowSvm#scores}.
 */
public final class SvmMethods {
    /** The names {@link #parse} knows. */
    public static final List<String> NAMES = List.of("lrp", "lrp:equal", "gradient", "gradient-x-input", "random");

    /** The pooling layer's stabilizer used by the lrp methods. */
    public static final double EPSILON = 1e-9;

    private SvmMethods() {
    }

    /** The methods of a comma-separated list; {@code seed} seeds the random heatmap. */
    public static List<Method> parse(String list, BowSvm pipeline, long seed) {
        List<Method> out = new ArrayList<>();
        for (String spec : MethodSpecs.split(list)) {
            Method m = one(spec, pipeline, seed);
            if (out.stream().anyMatch(o -> o.name().equals(m.name()))) {
                throw new IllegalArgumentException("method '" + spec + "' is given twice");
            }
            out.add(m);
        }
        return out;
    }

    private static Method one(String spec, BowSvm pipeline, long seed) {
        BowConfig c = pipeline.config();
        switch (spec.toLowerCase(Locale.ROOT)) {
            case "lrp":
                return new Method(spec, (x, t) -> relevance(pipeline, x, t, SvmExplanation.BiasShare.NONE));
            case "lrp:equal":
                return new Method(spec, (x, t) -> relevance(pipeline, x, t, SvmExplanation.BiasShare.EQUAL));
            case "gradient":
            case "gradient-x-input":
                if (c.assignment() != BowConfig.Assignment.SOFT) {
                    throw new IllegalArgumentException("method '" + spec + "' needs a pipeline with soft assignment"
                            + " (hard assignment has zero gradient); retrain with --assign soft");
                }
                if (c.descriptor() != BowConfig.Descriptor.RAW) {
                    throw new IllegalArgumentException("method '" + spec + "' needs a pipeline with raw patch"
                            + " descriptors; the gradient through hog is not implemented");
                }
                boolean times = spec.equalsIgnoreCase("gradient-x-input");
                return new Method(spec, (x, t) -> {
                    Tensor g = pipeline.gradient(x, t);
                    if (!times) {
                        return g;
                    }
                    float[] gd = g.toArray();
                    float[] xd = x.toArray();
                    for (int i = 0; i < gd.length; i++) {
                        gd[i] *= xd[i];
                    }
                    return Tensor.wrap(gd, x.dim(0), x.dim(1), x.dim(2), x.dim(3));
                });
            case "random":
                return Method.randomHeatmap(spec, seed);
            default:
                throw new IllegalArgumentException("unknown method '" + spec + "' for an SVM pipeline; use " + NAMES);
        }
    }

    private static Tensor relevance(BowSvm pipeline, Tensor x, int[] targets, SvmExplanation.BiasShare share) {
        List<BowExplanation> ex = pipeline.explain(x, targets, share, EPSILON);
        BowConfig c = pipeline.config();
        int size = c.channels() * c.height() * c.width();
        float[] out = new float[ex.size() * size];
        for (int i = 0; i < ex.size(); i++) {
            System.arraycopy(ex.get(i).pixels(), 0, out, i * size, size);
        }
        return Tensor.wrap(out, x.dim(0), c.channels(), c.height(), c.width());
    }
}
