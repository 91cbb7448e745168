package org.lrp4j.explain;

import java.io.IOException;

import org.lrp4j.tensor.Tensor;

/**
 * Explains several classes of each image with bounded memory: the classes of one image are explained in chunks of
 * at most {@code rows} rows (the image repeated once per class of the chunk), and each attribution goes to a sink
 * as soon as it is done, so that all 1,000 classes of an ImageNet model stream to files in the default heap. The
 * same explainer, targets and numbers as {@code explain(x, Targets.all())}, without holding [N, K, ...] at once.
 */
public final class PerClass {
    private PerClass() {
    }

    /** Receives the attribution of one image for one class, in image order and, per image, in class-list order. */
    @FunctionalInterface
    public interface Sink {
        void accept(int image, int cls, Tensor attribution, Explanation chunk, int row) throws IOException;
    }

    /** Which classes to explain for image i, given its output row. */
    @FunctionalInterface
    public interface Classes {
        int[] of(int image, float[] outputRow);
    }

    /** Every class 0..K-1. */
    public static Classes all() {
        return (i, row) -> java.util.stream.IntStream.range(0, row.length).toArray();
    }

    /** The k classes of highest output, best first. */
    public static Classes top(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top-k needs k >= 1, not " + k);
        }
        return (i, row) -> {
            Integer[] idx = new Integer[row.length];
            for (int c = 0; c < idx.length; c++) {
                idx[c] = c;
            }
            java.util.Arrays.sort(idx, (a, b) -> a.equals(b) ? 0 : Float.compare(row[b], row[a]) != 0
                    ? Float.compare(row[b], row[a]) : Integer.compare(a, b));
            int[] out = new int[Math.min(k, row.length)];
            for (int c = 0; c < out.length; c++) {
                out[c] = idx[c];
            }
            return out;
        };
    }

    /** The same classes for every image. */
    public static Classes fixed(int... classes) {
        int[] copy = classes.clone();
        return (i, row) -> {
            for (int c : copy) {
                if (c < 0 || c >= row.length) {
                    throw new IllegalArgumentException("class " + c + " is out of range: the model has " + row.length
                            + " outputs (0.." + (row.length - 1) + ")");
                }
            }
            return copy.clone();
        };
    }

    /**
     * Explains {@code classes} of each image of {@code input} ([N, ...]) with {@code explainer}, {@code rows} rows
     * per call, and hands each attribution ([...], one image's shape or the method's per-row shape) to {@code sink}.
     * {@code outputs} is the model output for the input, [N, K].
     */
    public static void explain(Explainer explainer, Tensor input, Tensor outputs, Classes classes, int rows,
                               Sink sink) throws IOException {
        if (rows < 1) {
            throw new IllegalArgumentException("rows per pass must be at least 1, not " + rows);
        }
        int n = input.dim(0);
        int k = outputs.size() / Math.max(1, n);
        int per = input.size() / Math.max(1, n);
        float[] out = outputs.toArray();
        float[] src = input.data();
        for (int i = 0; i < n; i++) {
            int[] cls = classes.of(i, java.util.Arrays.copyOfRange(out, i * k, (i + 1) * k));
            for (int from = 0; from < cls.length; from += rows) {
                int m = Math.min(rows, cls.length - from);
                float[] rep = new float[m * per];
                for (int r = 0; r < m; r++) {
                    System.arraycopy(src, input.offset() + i * per, rep, r * per, per);
                }
                int[] dims = input.dims();
                dims[0] = m;
                int[] t = java.util.Arrays.copyOfRange(cls, from, from + m);
                Explanation e = explainer.explain(Tensor.wrap(rep, dims), Targets.perImage(t));
                for (int r = 0; r < m; r++) {
                    sink.accept(i, t[r], e.attribution().select(r), e, r);
                }
            }
        }
    }
}
