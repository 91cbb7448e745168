package org.lrp4j.explain;

import java.util.ArrayList;
import java.util.List;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * Occlusion (Zeiler and Fergus 2014): a square window of {@code window} x {@code window} pixels, set to
 * {@code fill} in every channel, slides over the image with {@code stride}; the attribution of a pixel is the drop
 * of the target logit, f_t(x) - f_t(x with the window occluded), averaged over all windows that cover the pixel
 * (the drop is spread evenly over the occluded window, and where windows overlap their drops are averaged).
 * Window positions start at 0 and step by the stride; when the last step does not reach the border, one more
 * window flush with the border is added, so every pixel is covered. The same value goes to every channel of the
 * pixel, so the attribution has the input's shape [N, C, H, W]. A window larger than the image is clipped to it.
 * Costs one forward pass per window position and image (batched).
 */
public final class Occlusion extends TargetedExplainer {
    private static final int BATCH = 64;

    private final int window;
    private final int stride;
    private final float fill;

    public Occlusion(Model model, int window, int stride, float fill) {
        super(model);
        if (window < 1 || stride < 1) {
            throw new IllegalArgumentException("occlusion: window and stride must be at least 1 but are " + window
                    + " and " + stride);
        }
        if (!Float.isFinite(fill)) {
            throw new IllegalArgumentException("occlusion: the fill value must be finite but is " + fill);
        }
        this.window = window;
        this.stride = stride;
        this.fill = fill;
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("occlusion needs image input [N, C, H, W] but the input has shape "
                    + input.shape());
        }
        int n = input.dim(0);
        int c = input.dim(1);
        int h = input.dim(2);
        int w = input.dim(3);
        int wh = Math.min(window, h);
        int ww = Math.min(window, w);
        int[] ys = positions(h, wh, stride);
        int[] xs = positions(w, ww, stride);
        List<int[]> windows = new ArrayList<>();
        for (int y : ys) {
            for (int x : xs) {
                windows.add(new int[] {y, x});
            }
        }
        Tensor out = model.predict(input);
        double[] base = Backprop.scores(out, targets);
        int per = c * h * w;
        float[] attribution = new float[n * per];
        for (int img = 0; img < n; img++) {
            double[] sum = new double[h * w];
            int[] count = new int[h * w];
            for (int from = 0; from < windows.size(); from += BATCH) {
                int b = Math.min(BATCH, windows.size() - from);
                float[] batch = new float[b * per];
                for (int k = 0; k < b; k++) {
                    System.arraycopy(input.data(), input.offset() + img * per, batch, k * per, per);
                    int[] p = windows.get(from + k);
                    for (int ch = 0; ch < c; ch++) {
                        for (int y = p[0]; y < p[0] + wh; y++) {
                            int row = k * per + ch * h * w + y * w;
                            java.util.Arrays.fill(batch, row + p[1], row + p[1] + ww, fill);
                        }
                    }
                }
                Tensor logits = model.predict(Tensor.wrap(batch, b, c, h, w));
                int classes = logits.size() / b;
                for (int k = 0; k < b; k++) {
                    double drop = base[img] - logits.getFlat(k * classes + targets[img]);
                    int[] p = windows.get(from + k);
                    for (int y = p[0]; y < p[0] + wh; y++) {
                        for (int x = p[1]; x < p[1] + ww; x++) {
                            sum[y * w + x] += drop;
                            count[y * w + x]++;
                        }
                    }
                }
            }
            for (int ch = 0; ch < c; ch++) {
                for (int q = 0; q < h * w; q++) {
                    attribution[img * per + ch * h * w + q] = count[q] == 0 ? 0f : (float) (sum[q] / count[q]);
                }
            }
        }
        return plain(Tensor.wrap(attribution, input.dims()), targets, out);
    }

    /** 0, s, 2s, ... while the window fits, plus a final window flush with the border. */
    static int[] positions(int size, int win, int stride) {
        List<Integer> p = new ArrayList<>();
        for (int s = 0; s + win <= size; s += stride) {
            p.add(s);
        }
        if (p.get(p.size() - 1) + win < size) {
            p.add(size - win);
        }
        return p.stream().mapToInt(Integer::intValue).toArray();
    }
}
