package org.lrp4j.eval;

import java.util.Locale;

/** What is recorded for the target class after each perturbation step: its logit or its softmax probability. */
public enum Score {
    LOGIT, PROB;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Score parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "logit" -> LOGIT;
            case "prob", "probability", "softmax" -> PROB;
            default -> throw new IllegalArgumentException("unknown score '" + text + "'; scores: logit, prob");
        };
    }

    /**
     * The score of class {@code target} in row {@code row} of logits laid out [rows, k]: the logit itself, or
     * exp(l_t - max) / sum_c exp(l_c - max) computed in double precision.
     */
    double of(float[] logits, int offset, int k, int target) {
        double lt = logits[offset + target];
        if (this == LOGIT) {
            return lt;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            max = Math.max(max, logits[offset + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += Math.exp(logits[offset + c] - max);
        }
        return Math.exp(lt - max) / sum;
    }
}
