package org.lrp4j.onnx;

import java.util.Arrays;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * A constant n-d array seen at import time: float32 values (weights, float constants) or 64-bit integers (shapes,
 * indices, integer and boolean constants). Shape arithmetic is folded on these.
 */
final class Arr {
    final int[] dims;
    final float[] f;
    final long[] l;

    private Arr(int[] dims, float[] f, long[] l) {
        this.dims = dims;
        this.f = f;
        this.l = l;
    }

    static Arr floats(float[] f, int... dims) {
        check(dims, f.length);
        return new Arr(dims.clone(), f, null);
    }

    static Arr longs(long[] l, int... dims) {
        check(dims, l.length);
        return new Arr(dims.clone(), null, l);
    }

    static Arr scalarLong(long v) {
        return longs(new long[] {v});
    }

    private static void check(int[] dims, int n) {
        long s = size(dims);
        if (s != n) {
            throw new IllegalArgumentException("constant of shape " + Arrays.toString(dims) + " needs " + s
                    + " values but has " + n);
        }
    }

    /** Element count of {@code dims}; throws when a dimension is negative or the count exceeds 2^31. */
    static long size(int[] dims) {
        long s = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
            s *= d;
            if (s > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has too many elements");
            }
        }
        return s;
    }

    boolean isFloat() {
        return f != null;
    }

    int size() {
        return f != null ? f.length : l.length;
    }

    int rank() {
        return dims.length;
    }

    double get(int i) {
        return f != null ? f[i] : l[i];
    }

    long getLong(int i) {
        return f != null ? (long) f[i] : l[i];
    }

    long[] longs() {
        if (l != null) {
            return l.clone();
        }
        long[] r = new long[f.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (long) f[i];
        }
        return r;
    }

    float[] floats() {
        if (f != null) {
            return f.clone();
        }
        float[] r = new float[l.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = l[i];
        }
        return r;
    }

    Tensor tensor() {
        return Tensor.wrap(floats(), Shape.of(dims));
    }

    static Arr of(Tensor t) {
        return floats(t.toArray(), t.dims());
    }

    Arr reshape(int... newDims) {
        return f != null ? floats(f, newDims) : longs(l, newDims);
    }

    boolean sameAs(Arr o) {
        return this == o || Arrays.equals(dims, o.dims) && Arrays.equals(f, o.f) && Arrays.equals(l, o.l);
    }

    @Override
    public String toString() {
        String v = size() <= 16 ? (f != null ? Arrays.toString(f) : Arrays.toString(l)) : size() + " values";
        return (f != null ? "float" : "int") + Arrays.toString(dims) + " " + v;
    }
}
