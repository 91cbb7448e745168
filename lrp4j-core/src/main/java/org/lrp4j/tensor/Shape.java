package org.lrp4j.tensor;

import java.util.Arrays;

/**
 * The dimensions of a dense row-major tensor. Immutable; rank 0 is a scalar of size 1.
 */
public final class Shape {
    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        boolean empty = false;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new TensorShapeException("shape: dimension " + i + " is negative in " + Arrays.toString(dims));
            }
            empty |= dims[i] == 0;
        }
        long s = 1;
        for (int i = 0; i < dims.length && !empty; i++) {
            s *= dims[i];
            if (s > Integer.MAX_VALUE - 8) {
                throw new TensorShapeException("shape: " + Arrays.toString(dims) + " has more than 2^31 elements");
            }
        }
        this.dims = dims;
        this.size = empty ? 0 : (int) s;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    public static Shape scalar() {
        return new Shape(new int[0]);
    }

    public int rank() {
        return dims.length;
    }

    /** Dimension {@code axis}; negative axes count from the end as in NumPy. */
    public int dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    public int size() {
        return size;
    }

    public int[] toArray() {
        return dims.clone();
    }

    /** Row-major strides (in elements). */
    public int[] strides() {
        int[] st = new int[dims.length];
        int s = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= dims[i];
        }
        return st;
    }

    /** Product of the dimensions in [from, to). */
    public int sizeOf(int from, int to) {
        int s = 1;
        for (int i = from; i < to; i++) {
            s *= dims[i];
        }
        return s;
    }

    /** {@code axis} in [0, rank); negative axes count from the end as in NumPy. */
    public int normalizeAxis(int axis) {
        return normalizeAxis("shape", axis);
    }

    /** As {@link #normalizeAxis(int)}; the error message names {@code op}. */
    public int normalizeAxis(String op, int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new TensorShapeException(op + ": axis " + axis + " is out of range for shape " + this
                    + " of rank " + dims.length);
        }
        return a;
    }

    public Shape withDim(int axis, int value) {
        int[] d = dims.clone();
        d[normalizeAxis(axis)] = value;
        return new Shape(d);
    }

    /** NumPy broadcasting of two shapes; the message names {@code op}. */
    public static Shape broadcast(String op, Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dims[i - (r - a.rank())];
            int db = i < r - b.rank() ? 1 : b.dims[i - (r - b.rank())];
            if (da != db && da != 1 && db != 1) {
                throw new TensorShapeException(op + ": cannot broadcast shapes " + a + " and " + b);
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
