package org.lrp4j.svm;

import java.util.SplittableRandom;

import org.lrp4j.tensor.kernel.Parallel;

/**
 * Lloyd's k-means with k-means++ seeding (Arthur and Vassilvitskii 2007), deterministic for a seed: the first centre
 * is a uniformly drawn point, each next one a point drawn with probability proportional to its squared distance to
 * the nearest centre so far; then assignment and mean steps until no point changes its centre or the iterations run
 * out. An empty cluster takes the point farthest from its centre.
 */
public final class KMeans {
    private KMeans() {
    }

    /** The k centres of {@code points}. */
    public static double[][] fit(double[][] points, int k, int iterations, long seed) {
        int n = points.length;
        if (n < k) {
            throw new IllegalArgumentException("k-means needs at least " + k + " points, not " + n);
        }
        int dim = points[0].length;
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] c = new double[k][];
        c[0] = points[rng.nextInt(n)].clone();
        double[] d2 = new double[n];
        for (int i = 0; i < n; i++) {
            d2[i] = Kernel.distance2(points[i], c[0]);
        }
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (double v : d2) {
                total += v;
            }
            int pick = rng.nextInt(n);
            if (total > 0) {
                double r = rng.nextDouble() * total;
                for (int i = 0; i < n; i++) {
                    r -= d2[i];
                    if (r < 0) {
                        pick = i;
                        break;
                    }
                }
            }
            c[j] = points[pick].clone();
            for (int i = 0; i < n; i++) {
                d2[i] = Math.min(d2[i], Kernel.distance2(points[i], c[j]));
            }
        }
        int[] assign = new int[n];
        java.util.Arrays.fill(assign, -1);
        for (int it = 0; it < iterations; it++) {
            double[][] cc = c;
            int[] changed = new int[1];
            double[] dist = new double[n];
            Parallel.forEach(n, i -> {
                int best = nearest(cc, points[i]);
                dist[i] = Kernel.distance2(points[i], cc[best]);
                if (best != assign[i]) {
                    assign[i] = best;
                    synchronized (changed) {
                        changed[0]++;
                    }
                }
            });
            if (changed[0] == 0) {
                break;
            }
            double[][] sum = new double[k][dim];
            int[] count = new int[k];
            for (int i = 0; i < n; i++) {
                count[assign[i]]++;
                for (int d = 0; d < dim; d++) {
                    sum[assign[i]][d] += points[i][d];
                }
            }
            double[][] next = new double[k][];
            for (int j = 0; j < k; j++) {
                if (count[j] == 0) {
                    int far = 0;
                    for (int i = 1; i < n; i++) {
                        if (dist[i] > dist[far]) {
                            far = i;
                        }
                    }
                    dist[far] = 0;
                    next[j] = points[far].clone();
                } else {
                    next[j] = new double[dim];
                    for (int d = 0; d < dim; d++) {
                        next[j][d] = sum[j][d] / count[j];
                    }
                }
            }
            c = next;
        }
        return c;
    }

    /** The index of the centre nearest to v (the first of equals). */
    public static int nearest(double[][] centres, double[] v) {
        int best = 0;
        double bd = Double.POSITIVE_INFINITY;
        for (int j = 0; j < centres.length; j++) {
            double d = Kernel.distance2(centres[j], v);
            if (d < bd) {
                bd = d;
                best = j;
            }
        }
        return best;
    }
}
