package org.lrp4j.onnx.proto;

import java.util.Arrays;

/** Growable primitive arrays for repeated fields. */
public final class Lists {
    private Lists() {
    }

    /** Growable float array. */
    public static final class Floats {
        private float[] a = new float[4];
        private int n;

        void reserve(int extra) {
            if (n + extra > a.length) {
                a = Arrays.copyOf(a, Math.max(n + extra, a.length * 2));
            }
        }

        public void add(float v) {
            reserve(1);
            a[n++] = v;
        }

        public float[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** Growable double array. */
    public static final class Doubles {
        private double[] a = new double[4];
        private int n;

        void reserve(int extra) {
            if (n + extra > a.length) {
                a = Arrays.copyOf(a, Math.max(n + extra, a.length * 2));
            }
        }

        public void add(double v) {
            reserve(1);
            a[n++] = v;
        }

        public double[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }

    /** Growable long array. */
    public static final class Longs {
        private long[] a = new long[4];
        private int n;

        public void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        public long[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
