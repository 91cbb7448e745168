package org.lrp4j.explain;

/**
 * What starts the backward pass at the output: {@code LOGIT} puts the target's output value in its slot,
 * R = one_hot(target) * logit (LRP's usual start, so relevance sums to the logit); {@code ONE_HOT} puts 1 there,
 * i.e. differentiates or decomposes the target logit's unit vector (the gradient convention).
 */
public enum OutputSeed {
    LOGIT, ONE_HOT;

    public static OutputSeed parse(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "logit" -> LOGIT;
            case "onehot", "one_hot", "one-hot" -> ONE_HOT;
            default -> throw new IllegalArgumentException("seed '" + text + "' must be logit or onehot");
        };
    }
}
