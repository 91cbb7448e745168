package org.lrp4j.svm;

import java.util.SplittableRandom;

/** Random data for the SVM tests: k classes of non-negative vectors with shifted means. */
final class Fixtures {
    private Fixtures() {
    }

    record Data(double[][] x, int[] y) {
    }

    static Data blobs(int n, int width, int classes, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] x = new double[n][width];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int d = 0; d < width; d++) {
                double shift = d % classes == y[i] ? 0.6 : 0;
                x[i][d] = Math.abs(rng.nextGaussian() * 0.5 + shift);
            }
        }
        return new Data(x, y);
    }

    static double[] point(int width, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] x = new double[width];
        for (int d = 0; d < width; d++) {
            x[d] = rng.nextDouble();
        }
        return x;
    }
}
