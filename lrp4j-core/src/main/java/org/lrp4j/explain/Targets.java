package org.lrp4j.explain;

import java.util.Arrays;

import org.lrp4j.tensor.Tensor;

/**
 * Which output class each image is explained for: the predicted class, fixed classes per image, one class for
 * all images, or every class at once (the result then has a class axis).
 */
public sealed interface Targets {

    /** argmax of each image's output. */
    static Targets predicted() {
        return new Predicted();
    }

    /** The same class for every image. */
    static Targets of(int cls) {
        return new Fixed(new int[] {cls});
    }

    /** One class per image (or one class for all when a single value is given). */
    static Targets perImage(int... classes) {
        return new Fixed(classes.clone());
    }

    /** Every class: the explanation gets a class axis after the batch axis. */
    static Targets all() {
        return new All();
    }

    /**
     * Reads {@code pred}, {@code all}, {@code N} or {@code N,N,...} (one per image), as on the command line.
     */
    static Targets parse(String text) {
        String t = text.trim();
        if (t.equals("pred")) {
            return predicted();
        }
        if (t.equals("all")) {
            return all();
        }
        try {
            return perImage(Arrays.stream(t.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("target '" + text + "' must be pred, all, a class index or a comma"
                    + " separated list of class indices (one per image)");
        }
    }

    /** The class of each of {@code n} images given the model output [n, classes] (not for {@link All}). */
    int[] resolve(Tensor logits);

    record Predicted() implements Targets {
        @Override
        public int[] resolve(Tensor logits) {
            Tensor a = logits.reshape(logits.dim(0), -1).argmax(1);
            int[] t = new int[a.size()];
            for (int i = 0; i < t.length; i++) {
                t[i] = (int) a.getFlat(i);
            }
            return t;
        }
    }

    record Fixed(int[] classes) implements Targets {
        @Override
        public int[] resolve(Tensor logits) {
            int n = logits.dim(0);
            int k = logits.size() / Math.max(1, n);
            if (classes.length != 1 && classes.length != n) {
                throw new IllegalArgumentException("targets: " + classes.length + " classes given for " + n
                        + " images; give one class for all or one per image");
            }
            int[] t = new int[n];
            for (int i = 0; i < n; i++) {
                t[i] = classes.length == 1 ? classes[0] : classes[i];
                if (t[i] < 0 || t[i] >= k) {
                    throw new IllegalArgumentException("target class " + t[i] + " is out of range: the model has " + k
                            + " outputs (0.." + (k - 1) + ")");
                }
            }
            return t;
        }
    }

    record All() implements Targets {
        @Override
        public int[] resolve(Tensor logits) {
            throw new UnsupportedOperationException("Targets.all() is expanded by the explainer");
        }
    }
}
