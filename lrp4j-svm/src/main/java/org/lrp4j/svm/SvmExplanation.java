package org.lrp4j.svm;

/**
 * The relevance of an SVM's input dimensions for one decision f(x) (of one class, see {@link SvmModel}).
 *
 * <ul>
 *   <li>{@link Method#DECOMPOSITION} (additive kernels): {@code decision = sum(relevance) + bias} exactly;
 *       {@code bias} is the part of b not shared out (all of it, or 0 with {@link BiasShare#EQUAL}).</li>
 *   <li>{@link Method#TAYLOR} (RBF): {@code decision = sum(relevance) + rootValue + remainder}; {@code bias} is the
 *       model's b, for information (it is inside f at the root).</li>
 * </ul>
 */
public record SvmExplanation(Method method, double decision, double bias, double[] relevance, double rootValue,
                             double remainder) {

    /** How the decision was decomposed. */
    public enum Method { DECOMPOSITION, TAYLOR }

    /** What to do with the bias b of a decomposable kernel. */
    public enum BiasShare {
        /** Report it apart, as a network's bias. */
        NONE,
        /** Add b / V to each of the V dimensions (Bach et al. 2015). */
        EQUAL;

        public static BiasShare parse(String s) {
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "none" -> NONE;
                case "equal" -> EQUAL;
                default -> throw new IllegalArgumentException("--bias-share must be none or equal, not '" + s + "'");
            };
        }
    }

    public SvmExplanation {
        relevance = relevance.clone();
    }

    @Override
    public double[] relevance() {
        return relevance.clone();
    }

    public double relevanceSum() {
        double s = 0;
        for (double r : relevance) {
            s += r;
        }
        return s;
    }
}
