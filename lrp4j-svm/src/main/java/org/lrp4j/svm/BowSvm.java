package org.lrp4j.svm;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Parallel;

/**
 * A Bag-of-Words image classifier: local features, codebook assignment and p-means pooling ({@link BowConfig}),
 * then a kernel SVM ({@link SvmModel}) on the pooled vector x. Immutable.
 *
 * <p>Explanation ({@link #explain}) goes layer by layer:
 * <ol>
 *   <li>SVM to BoW dimensions: {@link SvmRelevance} (exact for additive kernels, Taylor at a root for RBF);</li>
 *   <li>BoW dimension d to local features: R_{l&lt;-d} = R_d m_d(l)^p / (sum_l' m_d(l')^p + epsilon), the share of
 *       feature l in the pooled sum (x_d^p = (1/M) sum_l m_d(l)^p); epsilon &gt; 0 absorbs
 *       R_d epsilon / (sum_l' m_d(l')^p + epsilon), nothing where the words are used;</li>
 *   <li>local feature l to pixels: R_l spread equally over the C k k pixels of its support,
 *       R_i = sum_{l : i in support(l)} R_l / (C k k), which conserves exactly.</li>
 * </ol>
 */
public final class BowSvm {
    /** Local features sampled per training image for the codebook. */
    static final int CODEBOOK_SAMPLES = 50_000;

    private final BowEncoder encoder;
    private final SvmModel svm;

    public BowSvm(BowConfig config, double[][] codebook, SvmModel svm) {
        this.encoder = new BowEncoder(config, codebook);
        svm.checkWidth(config.words());
        this.svm = svm;
    }

    public BowConfig config() {
        return encoder.config();
    }

    public SvmModel svm() {
        return svm;
    }

    /** The feature layers (patches, assignment, pooling). */
    public BowEncoder encoder() {
        return encoder;
    }

    public double[][] codebook() {
        return encoder.codebook();
    }

    /**
     * Trains the codebook (k-means on up to {@value #CODEBOOK_SAMPLES} local features) and the SVM on
     * {@code images} [N, C, H, W] with {@code labels}. {@code kernel} is a name of {@link Kernel#parse};
     * {@code gamma} (RBF only) NaN picks 1 / (mean squared distance of BoW vectors); a NaN beta in the config picks
     * 1 / (mean squared distance of a feature to its nearest word).
     */
    public static BowSvm fit(Tensor images, int[] labels, BowConfig config, String kernel, double gamma, double c,
                             long seed, BowEncoder.Progress progress) {
        BowEncoder.checkImages(images, config);
        int n = images.dim(0);
        if (labels.length != n) {
            throw new IllegalArgumentException(n + " images but " + labels.length + " labels");
        }
        int[][] grid = config.patches();
        int perImage = Math.max(1, Math.min(grid.length, CODEBOOK_SAMPLES / n));
        SplittableRandom rng = new SplittableRandom(seed);
        List<double[]> sample = new ArrayList<>();
        float[] data = images.toArray();
        int size = config.channels() * config.height() * config.width();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < perImage; j++) {
                int[] p = grid[perImage == grid.length ? j : rng.nextInt(grid.length)];
                sample.add(BowEncoder.feature(data, i * size, config, p));
            }
        }
        if (progress != null) {
            progress.update("codebook", 0, 1);
        }
        double[][] points = sample.toArray(new double[0][]);
        double[][] codebook = KMeans.fit(points, config.words(), 30, seed);
        if (progress != null) {
            progress.update("codebook", 1, 1);
        }
        BowConfig cfg = config;
        if (config.assignment() == BowConfig.Assignment.SOFT && Double.isNaN(config.beta())) {
            // beta = 1 / (mean squared distance of a feature to its nearest word)
            double s = 0;
            for (double[] q : points) {
                s += Kernel.distance2(q, codebook[KMeans.nearest(codebook, q)]);
            }
            cfg = config.withBeta(s > 0 ? points.length / s : 1);
        }
        double[][] x = new BowEncoder(cfg, codebook).bow(images, progress);
        boolean auto = kernel.equalsIgnoreCase("rbf") && Double.isNaN(gamma);
        Kernel k = Kernel.parse(kernel, auto ? 1 / meanDistance2(x, seed) : gamma);
        SvmModel model = SvmTrainer.train(x, labels, k, c, 1e-3,
                progress == null ? null : (d, t) -> progress.update("gram matrix", d, t));
        return new BowSvm(cfg, codebook, model);
    }

    /** 1 / gamma for RBF by default: the mean squared distance of up to 2000 random pairs. */
    static double meanDistance2(double[][] x, long seed) {
        SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
        double s = 0;
        int pairs = 2000;
        for (int i = 0; i < pairs; i++) {
            s += Kernel.distance2(x[rng.nextInt(x.length)], x[rng.nextInt(x.length)]);
        }
        return s > 0 ? s / pairs : 1;
    }

    /** The pooled BoW vectors [N][V] of images [N, C, H, W]. */
    public double[][] bow(Tensor images, BowEncoder.Progress progress) {
        return encoder.bow(images, progress);
    }

    /** f_c for every class (columns: labels sorted), [N, classes]. */
    public Tensor scores(Tensor images) {
        double[][] x = encoder.bow(images, null);
        int k = svm.classes();
        float[] out = new float[x.length * k];
        Parallel.forEach(x.length, i -> {
            double[] s = svm.scores(x[i]);
            for (int c = 0; c < k; c++) {
                out[i * k + c] = (float) s[c];
            }
        });
        return Tensor.wrap(out, x.length, k);
    }

    /** LIBSVM's one-vs-one prediction: the label of each image. */
    public int[] predict(Tensor images) {
        double[][] x = encoder.bow(images, null);
        int[] out = new int[x.length];
        Parallel.forEach(x.length, i -> out[i] = svm.predict(x[i]));
        return out;
    }

    /** The relevance of each image for its score column, layer by layer (see the class comment). */
    public List<BowExplanation> explain(Tensor images, int[] columns, SvmExplanation.BiasShare share,
                                        double epsilon) {
        BowConfig config = encoder.config();
        BowEncoder.checkImages(images, config);
        if (!(epsilon >= 0)) {
            throw new IllegalArgumentException("epsilon must be >= 0, not " + epsilon);
        }
        int n = images.dim(0);
        if (columns.length != n) {
            throw new IllegalArgumentException(n + " images but " + columns.length + " targets");
        }
        float[] data = images.toArray();
        int size = config.channels() * config.height() * config.width();
        BowExplanation[] out = new BowExplanation[n];
        Parallel.forEach(n, i -> {
            BowEncoder.Encoding e = encoder.encode(data, i * size);
            SvmExplanation s = SvmRelevance.explain(svm, e.pooled(), columns[i], share);
            double[] local = new double[encoder.features()];
            double absorbed = poolRelevance(e.assignments(), config.p(), s.relevance(), epsilon, local);
            out[i] = new BowExplanation(columns[i], svm.columnLabel(columns[i]), s, local, encoder.toPixels(local),
                    absorbed);
        });
        return List.of(out);
    }

    /**
     * Shares each dimension's relevance R_d among the M local features in proportion to m_d(l)^p:
     * local[l] = sum_d R_d m_d(l)^p / (sum_l' m_d(l')^p + epsilon). Returns what epsilon absorbed.
     */
    public static double poolRelevance(double[][] assignments, double p, double[] dims, double epsilon,
                                       double[] local) {
        int m = assignments.length;
        double absorbed = 0;
        for (int d = 0; d < dims.length; d++) {
            double z = epsilon;
            for (int l = 0; l < m; l++) {
                z += BowEncoder.power(assignments[l][d], p);
            }
            if (z == 0) {
                absorbed += dims[d];
                continue;
            }
            double given = 0;
            for (int l = 0; l < m; l++) {
                double share = dims[d] * BowEncoder.power(assignments[l][d], p) / z;
                local[l] += share;
                given += share;
            }
            absorbed += dims[d] - given;
        }
        return absorbed;
    }

    /**
     * The gradient of f_c with respect to the pixels, [N, C, H, W], through soft assignment: with
     * u_d(l) = df/dx_d dx_d/dm_d(l) = df/dx_d S_d^(1/p - 1) m_d(l)^(p - 1) / M (S_d = x_d^p) and
     * dm_d(l)/df_l = 2 beta m_d(l) (c_d - sum_e m_e(l) c_e), df/df_l = 2 beta sum_d u_d(l) m_d(l) (c_d - cbar_l),
     * summed into the pixels of each patch (raw descriptors). Hard assignment is piecewise constant (zero gradient), so
     * it is refused.
     */
    public Tensor gradient(Tensor images, int[] columns) {
        BowConfig config = encoder.config();
        BowEncoder.checkImages(images, config);
        if (config.assignment() != BowConfig.Assignment.SOFT) {
            throw new IllegalArgumentException("the gradient of a pipeline with hard assignment is zero almost"
                    + " everywhere; train with --assign soft for gradient explanations");
        }
        if (config.descriptor() != BowConfig.Descriptor.RAW) {
            throw new IllegalArgumentException("the gradient is implemented for --descriptor raw only, not "
                    + config.descriptor().label());
        }
        int n = images.dim(0);
        float[] data = images.toArray();
        int size = config.channels() * config.height() * config.width();
        float[] out = new float[n * size];
        int m = encoder.features();
        int v = config.words();
        int dl = config.descriptorLength();
        double p = config.p();
        double beta = config.beta();
        Parallel.forEach(n, i -> {
            BowEncoder.Encoding e = encoder.encode(data, i * size);
            double[] g = svm.gradient(e.pooled(), columns[i]);
            double[] s = new double[v];
            for (int d = 0; d < v; d++) {
                s[d] = Math.pow(e.pooled()[d], p);
            }
            double[] px = new double[size];
            int k = config.patch();
            for (int l = 0; l < m; l++) {
                double[] a = e.assignments()[l];
                double[] cbar = new double[dl];
                for (int d = 0; d < v; d++) {
                    for (int j = 0; j < dl; j++) {
                        cbar[j] += a[d] * encoder.word(d, j);
                    }
                }
                double[] gf = new double[dl];
                for (int d = 0; d < v; d++) {
                    double dxdm = p == 1 ? 1.0 / m
                            : s[d] > 0 ? Math.pow(s[d], 1 / p - 1) * Math.pow(a[d], p - 1) / m : 0;
                    double coef = 2 * beta * g[d] * dxdm * a[d];
                    if (coef == 0) {
                        continue;
                    }
                    for (int j = 0; j < dl; j++) {
                        gf[j] += coef * (encoder.word(d, j) - cbar[j]);
                    }
                }
                int j = 0;
                for (int ch = 0; ch < config.channels(); ch++) {
                    for (int dy = 0; dy < k; dy++) {
                        int row = (ch * config.height() + encoder.patch(l)[0] + dy) * config.width() + encoder.patch(l)[1];
                        for (int dx = 0; dx < k; dx++) {
                            px[row + dx] += gf[j++];
                        }
                    }
                }
            }
            for (int q = 0; q < size; q++) {
                out[i * size + q] = (float) px[q];
            }
        });
        return Tensor.wrap(out, n, config.channels(), config.height(), config.width());
    }
}
