package org.lrp4j.svm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.tensor.Tensor;

class BowSvmTest {

    @TempDir
    Path dir;

    /** Images 1 x 10 x 10: class 0 has a bright square in its left half, class 1 has none; plus noise. */
    static Tensor images(int n, long seed, int[] labels) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] v = new float[n * 100];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int y = 0; y < 10; y++) {
                for (int x = 0; x < 10; x++) {
                    boolean bright = labels[i] == 0 && x >= 1 && x <= 4 && y >= 3 && y <= 7;
                    v[i * 100 + y * 10 + x] = (float) ((bright ? 1 : 0) + 0.3 * rng.nextDouble());
                }
            }
        }
        return Tensor.wrap(v, n, 1, 10, 10);
    }

    static BowSvm train(String kernel, BowConfig.Assignment a, double p) {
        return train(kernel, BowConfig.Descriptor.RAW, a, p);
    }

    static BowSvm train(String kernel, BowConfig.Descriptor descriptor, BowConfig.Assignment a, double p) {
        int[] y = new int[60];
        Tensor x = images(60, 1, y);
        BowConfig cfg = new BowConfig(1, 10, 10, 4, 3, descriptor, 6, a, Double.NaN, p, 0, 1);
        return BowSvm.fit(x, y, cfg, kernel, Double.NaN, 1, 7, null);
    }

    @Test
    void poolingRelevanceEqualsTheHandComputedSplitOnThreeFeatures() {
        double[][] m = {{1, 0}, {0.5, 0.5}, {0, 1}};
        double[] local = new double[3];
        // p = 2: word 0 has m^p = 1, 0.25, 0 (sum 1.25), word 1 has 0, 0.25, 1
        double absorbed = BowSvm.poolRelevance(m, 2, new double[] {2, -1}, 0, local);
        assertThat(local).containsExactly(new double[] {2 * 0.8, 2 * 0.2 - 0.2, -0.8}, within(1e-12));
        assertThat(absorbed).isCloseTo(0, within(1e-12));
        double[] stabilized = new double[3];
        double eps = 0.25;
        absorbed = BowSvm.poolRelevance(m, 2, new double[] {2, -1}, eps, stabilized);
        assertThat(stabilized[0]).isCloseTo(2 * 1 / 1.5, within(1e-12));
        assertThat(absorbed).isCloseTo((2 - 1) * eps / 1.5, within(1e-12));
    }

    @Test
    void theRelevanceOfAnImageIsConservedFromTheDecisionDownToThePixels() {
        for (BowConfig.Assignment a : BowConfig.Assignment.values()) {
            for (BowConfig.Descriptor desc : BowConfig.Descriptor.values()) {
                BowSvm model = train("hik", desc, a, a == BowConfig.Assignment.SOFT ? 3 : 1);
                int[] y = new int[4];
                Tensor x = images(4, 2, y);
                List<BowExplanation> ex = model.explain(x, new int[] {0, 1, 0, 1}, SvmExplanation.BiasShare.NONE, 0);
                for (BowExplanation e : ex) {
                    double target = e.svm().decision() - e.svm().bias();
                    assertThat(e.svm().relevanceSum()).isCloseTo(target, within(1e-9));
                    assertThat(e.pixelSum()).as(a.label() + " " + desc.label())
                            .isCloseTo(target, within(1e-4 * Math.max(1, Math.abs(target))));
                    assertThat(e.conservation().format()).contains("pooling", "patches", "svm");
                }
            }
        }
    }

    @Test
    void theClassifierLearnsTheToyTaskAndItsRelevanceSitsOnTheSquaresHalf() {
        BowSvm model = train("hik", BowConfig.Assignment.HARD, 1);
        int[] y = new int[40];
        Tensor x = images(40, 3, y);
        int[] pred = model.predict(x);
        int right = 0;
        for (int i = 0; i < y.length; i++) {
            right += pred[i] == y[i] ? 1 : 0;
        }
        assertThat(right).isGreaterThanOrEqualTo(36);
        // class 0 images: the positive relevance for class 0 is mostly left
        double left = 0;
        double rightSide = 0;
        List<BowExplanation> ex = model.explain(x.slice(0, 1), new int[] {0}, SvmExplanation.BiasShare.NONE, 1e-9);
        float[] r = ex.get(0).pixels();
        for (int i = 0; i < 100; i++) {
            if (i % 10 < 5) {
                left += r[i];
            } else {
                rightSide += r[i];
            }
        }
        assertThat(left).isGreaterThan(rightSide);
    }

    @Test
    void theGradientMatchesFiniteDifferencesOfTheScores() {
        BowSvm model = train("chi2", BowConfig.Assignment.SOFT, 2);
        int[] y = new int[1];
        Tensor x = images(1, 4, y);
        float[] g = model.gradient(x, new int[] {1}).toArray();
        float[] v = x.toArray();
        for (int i : new int[] {0, 37, 55, 99}) {
            double h = 1e-3;
            float[] plus = v.clone();
            float[] minus = v.clone();
            plus[i] += (float) h;
            minus[i] -= (float) h;
            double fp = model.scores(Tensor.wrap(plus, 1, 1, 10, 10)).toArray()[1];
            double fm = model.scores(Tensor.wrap(minus, 1, 1, 10, 10)).toArray()[1];
            double numeric = (fp - fm) / ((plus[i] - minus[i]));
            assertThat((double) g[i]).isCloseTo(numeric, within(2e-3 + 0.05 * Math.abs(numeric)));
        }
    }

    @Test
    void aPipelineFileReadsBackToTheSameScores() throws Exception {
        BowSvm model = train("rbf", BowConfig.Assignment.SOFT, 1);
        Path f = dir.resolve("p.svm");
        SvmFile.write(model, f);
        assertThat(SvmFile.isPipeline(f)).isTrue();
        BowSvm back = ((SvmFile.Pipeline) SvmFile.read(f)).pipeline();
        int[] y = new int[3];
        Tensor x = images(3, 5, y);
        assertThat(back.scores(x).toArray()).containsExactly(model.scores(x).toArray(), within(1e-5f));
        assertThat(back.config()).isEqualTo(model.config());
    }

    @Test
    void thePatchGridCoversEveryPixel() {
        BowConfig cfg = new BowConfig(1, 28, 28, 7, 3, BowConfig.Descriptor.RAW, 8, BowConfig.Assignment.HARD,
                Double.NaN, 1, 0, 1);
        boolean[] covered = new boolean[28 * 28];
        for (int[] p : cfg.patches()) {
            for (int dy = 0; dy < 7; dy++) {
                for (int dx = 0; dx < 7; dx++) {
                    covered[(p[0] + dy) * 28 + p[1] + dx] = true;
                }
            }
        }
        for (boolean c : covered) {
            assertThat(c).isTrue();
        }
        assertThat(cfg.patches().length).isEqualTo(8 * 8);
    }

    @Test
    void kMeansIsSeededAndFindsSeparatedClusters() {
        SplittableRandom rng = new SplittableRandom(3);
        double[][] pts = new double[300][2];
        for (int i = 0; i < pts.length; i++) {
            pts[i][0] = (i % 3) * 10 + rng.nextGaussian() * 0.1;
            pts[i][1] = rng.nextGaussian() * 0.1;
        }
        double[][] a = KMeans.fit(pts, 3, 20, 5);
        double[][] b = KMeans.fit(pts, 3, 20, 5);
        assertThat(a).isDeepEqualTo(b);
        double[] xs = {a[0][0], a[1][0], a[2][0]};
        java.util.Arrays.sort(xs);
        assertThat(xs).containsExactly(new double[] {0, 10, 20}, within(0.1));
    }
}
