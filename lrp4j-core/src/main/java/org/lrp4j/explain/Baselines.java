package org.lrp4j.explain;

import java.util.Arrays;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/** Reference inputs (baselines) given for a whole batch or one sample, brought to the rows being explained. */
final class Baselines {
    private Baselines() {
    }

    /**
     * {@code baseline} broadcast to the rows {@code x}: null gives zeros; a baseline with the shape of one sample
     * ([...] or [1, ...]) is used for every row; a baseline for every image ([N, ...]) is repeated per class when
     * the rows were repeated ({@code repeatedPerImage} = K for all targets, else 0).
     */
    static Tensor broadcast(String method, Tensor baseline, Tensor x, int repeatedPerImage) {
        if (baseline == null) {
            return Tensor.zeros(x.shape());
        }
        int n = x.dim(0);
        int[] sampleDims = Arrays.copyOfRange(x.dims(), 1, x.rank());
        Shape sample = Shape.of(sampleDims);
        int per = sample.size();
        boolean one = baseline.shape().equals(sample)
                || (baseline.rank() == x.rank() && baseline.dim(0) == 1 && baseline.size() == per
                && Arrays.equals(Arrays.copyOfRange(baseline.dims(), 1, baseline.rank()), sampleDims));
        int images = repeatedPerImage > 0 ? n / repeatedPerImage : n;
        boolean perImage = baseline.rank() == x.rank() && baseline.dim(0) == images
                && Arrays.equals(Arrays.copyOfRange(baseline.dims(), 1, baseline.rank()), sampleDims);
        if (!one && !perImage) {
            int[] batch = x.dims();
            batch[0] = images;
            throw new IllegalArgumentException(method + ": the baseline must have the input's shape " + Shape.of(batch)
                    + " or the shape of one sample " + sample + " but has shape " + baseline.shape());
        }
        float[] out = new float[x.size()];
        for (int i = 0; i < n; i++) {
            int from = one ? 0 : (repeatedPerImage > 0 ? i / repeatedPerImage : i);
            for (int j = 0; j < per; j++) {
                out[i * per + j] = baseline.getFlat(from * per + j);
            }
        }
        return Tensor.wrap(out, x.dims());
    }
}
