package org.lrp4j.data;

import java.util.List;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

/**
 * Labelled images: normalised inputs [N, C, H, W], class indices, and the class names.
 */
public record Dataset(String name, Tensor images, int[] labels, List<String> classNames) {

    public Dataset {
        if (images.rank() < 2 || images.dim(0) != labels.length) {
            throw new TensorShapeException("dataset " + name + ": " + labels.length + " labels for images of shape "
                    + images.shape());
        }
        classNames = List.copyOf(classNames);
    }

    public int size() {
        return labels.length;
    }

    public Shape sampleShape() {
        int[] d = images.dims();
        return Shape.of(java.util.Arrays.copyOfRange(d, 1, d.length));
    }

    /** The first {@code n} samples (a view of the images). */
    public Dataset head(int n) {
        int k = Math.min(n, size());
        return new Dataset(name, images.slice(0, k), java.util.Arrays.copyOf(labels, k), classNames);
    }

    /** The images at {@code indices}, stacked into a new batch tensor. */
    public Tensor images(int[] indices, int from, int to) {
        int per = images.size() / Math.max(1, size());
        int[] d = images.dims();
        d[0] = to - from;
        float[] out = new float[(to - from) * per];
        float[] src = images.data();
        int off = images.offset();
        for (int i = from; i < to; i++) {
            System.arraycopy(src, off + indices[i] * per, out, (i - from) * per, per);
        }
        return Tensor.wrap(out, d);
    }

    /** The labels at {@code indices[from..to)}. */
    public int[] labels(int[] indices, int from, int to) {
        int[] out = new int[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = labels[indices[i]];
        }
        return out;
    }
}
