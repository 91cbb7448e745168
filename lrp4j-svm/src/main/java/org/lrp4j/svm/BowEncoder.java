package org.lrp4j.svm;

import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Parallel;

/**
 * The feature layers of a Bag-of-Words pipeline ({@link BowConfig}) with a trained codebook: local features on the
 * patch grid, their assignment to the words and p-means pooling; and, for relevance, the way back from local
 * features to the pixels of their supports. Immutable.
 */
public final class BowEncoder {
    private final BowConfig config;
    private final double[][] codebook;
    private final int[][] patches;

    public BowEncoder(BowConfig config, double[][] codebook) {
        if (codebook.length != config.words()) {
            throw new IllegalArgumentException("the codebook has " + codebook.length + " words, the pipeline "
                    + config.words());
        }
        for (double[] c : codebook) {
            if (c.length != config.descriptorLength()) {
                throw new IllegalArgumentException("codebook words have " + c.length + " values, local features "
                        + config.descriptorLength());
            }
        }
        if (config.assignment() == BowConfig.Assignment.SOFT && !(config.beta() > 0)) {
            throw new IllegalArgumentException("soft assignment needs beta > 0, not " + config.beta());
        }
        this.config = config;
        this.codebook = new double[codebook.length][];
        for (int i = 0; i < codebook.length; i++) {
            this.codebook[i] = codebook[i].clone();
        }
        this.patches = config.patches();
    }

    public BowConfig config() {
        return config;
    }

    /** The words c_d, [V][descriptor length]. */
    public double[][] codebook() {
        double[][] out = new double[codebook.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = codebook[i].clone();
        }
        return out;
    }

    /** The number M of local features per image. */
    public int features() {
        return patches.length;
    }

    /** The top-left corner (y, x) of patch l. */
    int[] patch(int l) {
        return patches[l];
    }

    /** Word d's value j, without copying the codebook. */
    double word(int d, int j) {
        return codebook[d][j];
    }

    /** One image's local features f_l [M][C k k], assignments m_d(l) [M][V] and pooled vector x [V]. */
    public record Encoding(double[][] features, double[][] assignments, double[] pooled) {
    }

    /** Called with (done, total) as work proceeds. */
    @FunctionalInterface
    public interface Progress {
        void update(String stage, int done, int total);
    }

    static void checkImages(Tensor images, BowConfig config) {
        if (images.rank() != 4 || images.dim(1) != config.channels() || images.dim(2) != config.height()
                || images.dim(3) != config.width()) {
            throw new IllegalArgumentException("the pipeline takes images [N, " + config.channels() + ", "
                    + config.height() + ", " + config.width() + "], not " + images.shape());
        }
    }

    /** The local feature of the patch at {@code at}: its pixels or their orientation histogram. */
    static double[] feature(float[] data, int offset, BowConfig cfg, int[] at) {
        double[] raw = patch(data, offset, cfg, at);
        return cfg.descriptor() == BowConfig.Descriptor.RAW ? raw : hog(raw, cfg.channels(), cfg.patch());
    }

    /**
     * Per channel, a histogram of the patch's gradient orientations: gradient g = (dv/dx, dv/dy) by central
     * differences (one-sided at the patch border), magnitude |g| split linearly between the two bins nearest to
     * atan2(dv/dy, dv/dx) in [0, 2 pi) ({@link BowConfig#BINS} bins, bin b centred at 2 pi b / BINS).
     */
    static double[] hog(double[] raw, int channels, int k) {
        int bins = BowConfig.BINS;
        double[] h = new double[channels * bins];
        for (int ch = 0; ch < channels; ch++) {
            int o = ch * k * k;
            for (int y = 0; y < k; y++) {
                for (int x = 0; x < k; x++) {
                    int x0 = Math.max(0, x - 1);
                    int x1 = Math.min(k - 1, x + 1);
                    int y0 = Math.max(0, y - 1);
                    int y1 = Math.min(k - 1, y + 1);
                    double gx = (raw[o + y * k + x1] - raw[o + y * k + x0]) / (x1 - x0);
                    double gy = (raw[o + y1 * k + x] - raw[o + y0 * k + x]) / (y1 - y0);
                    double mag = Math.sqrt(gx * gx + gy * gy);
                    if (mag == 0) {
                        continue;
                    }
                    double angle = Math.atan2(gy, gx);
                    if (angle < 0) {
                        angle += 2 * Math.PI;
                    }
                    double pos = angle / (2 * Math.PI) * bins;
                    int b0 = (int) Math.floor(pos);
                    double frac = pos - b0;
                    h[ch * bins + b0 % bins] += mag * (1 - frac);
                    h[ch * bins + (b0 + 1) % bins] += mag * frac;
                }
            }
        }
        return h;
    }

    private static double[] patch(float[] data, int offset, BowConfig cfg, int[] at) {
        int k = cfg.patch();
        double[] f = new double[cfg.supportSize()];
        int i = 0;
        for (int ch = 0; ch < cfg.channels(); ch++) {
            for (int dy = 0; dy < k; dy++) {
                int row = offset + (ch * cfg.height() + at[0] + dy) * cfg.width() + at[1];
                for (int dx = 0; dx < k; dx++) {
                    f[i++] = data[row + dx];
                }
            }
        }
        return f;
    }

    /** The local features, assignments and pooled vector of image {@code i} of {@code images}. */
    public Encoding encode(float[] data, int offset) {
        int m = patches.length;
        int v = config.words();
        double[][] f = new double[m][];
        double[][] a = new double[m][v];
        double[] pooled = new double[v];
        for (int l = 0; l < m; l++) {
            f[l] = feature(data, offset, config, patches[l]);
            if (config.assignment() == BowConfig.Assignment.HARD) {
                a[l][KMeans.nearest(codebook, f[l])] = 1;
            } else {
                double[] e = new double[v];
                double min = Double.POSITIVE_INFINITY;
                for (int d = 0; d < v; d++) {
                    e[d] = config.beta() * Kernel.distance2(f[l], codebook[d]);
                    min = Math.min(min, e[d]);
                }
                double z = 0;
                for (int d = 0; d < v; d++) {
                    e[d] = Math.exp(-(e[d] - min));
                    z += e[d];
                }
                for (int d = 0; d < v; d++) {
                    a[l][d] = e[d] / z;
                }
            }
            for (int d = 0; d < v; d++) {
                pooled[d] += power(a[l][d], config.p());
            }
        }
        for (int d = 0; d < v; d++) {
            pooled[d] = config.p() == 1 ? pooled[d] / m : Math.pow(pooled[d] / m, 1 / config.p());
        }
        return new Encoding(f, a, pooled);
    }

    /** The pooled BoW vectors [N][V] of images [N, C, H, W]. */
    public double[][] bow(Tensor images, Progress progress) {
        checkImages(images, config);
        int n = images.dim(0);
        float[] data = images.toArray();
        int size = config.channels() * config.height() * config.width();
        double[][] out = new double[n][];
        int[] done = {0};
        Parallel.forEach(n, i -> {
            out[i] = encode(data, i * size).pooled();
            if (progress != null) {
                synchronized (done) {
                    progress.update("features", ++done[0], n);
                }
            }
        });
        return out;
    }

    /** a^p, without a call to pow for p = 1. */
    static double power(double a, double p) {
        return p == 1 ? a : Math.pow(a, p);
    }

    /** Local relevance [M] to pixels [C H W]: each feature's share spread equally over its support. */
    public float[] toPixels(double[] local) {
        int k = config.patch();
        int h = config.height();
        int w = config.width();
        double[] px = new double[config.channels() * h * w];
        double per = 1.0 / config.supportSize();
        for (int l = 0; l < patches.length; l++) {
            double r = local[l] * per;
            for (int ch = 0; ch < config.channels(); ch++) {
                for (int dy = 0; dy < k; dy++) {
                    int row = (ch * h + patches[l][0] + dy) * w + patches[l][1];
                    for (int dx = 0; dx < k; dx++) {
                        px[row + dx] += r;
                    }
                }
            }
        }
        float[] out = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            out[i] = (float) px[i];
        }
        return out;
    }
}
