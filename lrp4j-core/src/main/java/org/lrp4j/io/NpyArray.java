package org.lrp4j.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * An array read from (or to be written to) a NumPy {@code .npy} file: a dtype, a C-order shape and the raw
 * little-endian element bytes.
 *
 * <p>{@code dtype} is always one of the normalized descriptors {@link #FLOAT32 "<f4"}, {@link #FLOAT64 "<f8"},
 * {@link #INT64 "<i8"}, {@link #INT32 "<i4"}, {@link #UINT8 "|u1"}, {@link #INT8 "|i1"} or {@link #BOOL "|b1"}
 * (the reader maps {@code "=f4"}, {@code "<u1"} and the like onto these). {@code data} holds exactly
 * {@code size() * itemSize()} bytes in C (row-major) order; it is not copied by the constructor, by
 * {@link #data()} or by the factory methods that take a {@code byte[]}, so do not modify it after handing it over.
 * {@link #shape()} returns a copy. A rank-0 array ({@code shape == []}) holds one element.
 *
 * <p>{@code equals}/{@code hashCode} compare the dtype, shape and bytes by content.
 */
public record NpyArray(String dtype, int[] shape, byte[] data) {
    public static final String FLOAT32 = "<f4";
    public static final String FLOAT64 = "<f8";
    public static final String INT64 = "<i8";
    public static final String INT32 = "<i4";
    public static final String UINT8 = "|u1";
    public static final String INT8 = "|i1";
    public static final String BOOL = "|b1";

    /** The largest element count accepted, as for {@link Shape}: {@code 2^31 - 9}. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    public NpyArray {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        int item = itemSize(dtype);
        if (item < 0) {
            throw new IllegalArgumentException("NpyArray: unsupported dtype '" + dtype + "' (expected one of "
                    + String.join(", ", FLOAT32, FLOAT64, INT64, INT32, UINT8, INT8, BOOL) + ")");
        }
        shape = shape.clone();
        long n = elementCount(shape);
        if (n < 0) {
            throw new IllegalArgumentException("NpyArray: shape " + Arrays.toString(shape)
                    + " has a negative dimension or more than " + MAX_ELEMENTS + " elements");
        }
        if (n * item != data.length) {
            throw new IllegalArgumentException("NpyArray: shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + n * item + " bytes but data has " + data.length);
        }
    }

    // ------------------------------------------------------------------ factories

    /** A float32 array holding a copy of {@code values}. */
    public static NpyArray ofFloat32(int[] shape, float[] values) {
        ByteBuffer b = buffer(values.length, 4);
        b.asFloatBuffer().put(values);
        return new NpyArray(FLOAT32, shape, b.array());
    }

    /** A float32 array holding a copy of the tensor's values, with its shape. */
    public static NpyArray of(Tensor t) {
        return ofFloat32(t.dims(), t.toArray());
    }

    public static NpyArray ofFloat64(int[] shape, double[] values) {
        ByteBuffer b = buffer(values.length, 8);
        b.asDoubleBuffer().put(values);
        return new NpyArray(FLOAT64, shape, b.array());
    }

    public static NpyArray ofInt64(int[] shape, long[] values) {
        ByteBuffer b = buffer(values.length, 8);
        b.asLongBuffer().put(values);
        return new NpyArray(INT64, shape, b.array());
    }

    public static NpyArray ofInt32(int[] shape, int[] values) {
        ByteBuffer b = buffer(values.length, 4);
        b.asIntBuffer().put(values);
        return new NpyArray(INT32, shape, b.array());
    }

    /** A uint8 array; each byte is read as an unsigned value 0..255. {@code values} is copied. */
    public static NpyArray ofUInt8(int[] shape, byte[] values) {
        return new NpyArray(UINT8, shape, values.clone());
    }

    /** An int8 array; {@code values} is copied. */
    public static NpyArray ofInt8(int[] shape, byte[] values) {
        return new NpyArray(INT8, shape, values.clone());
    }

    public static NpyArray ofBool(int[] shape, boolean[] values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (values[i] ? 1 : 0);
        }
        return new NpyArray(BOOL, shape, b);
    }

    // ------------------------------------------------------------------ properties

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Number of elements (1 for rank 0, 0 if any dimension is 0). */
    public int size() {
        return (int) elementCount(shape);
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize(dtype);
    }

    // ------------------------------------------------------------------ conversions

    /**
     * The values as float32, converted from any dtype: float64 values are rounded to the nearest float (and
     * overflow to infinity), int32/int64 values above 2^24 in magnitude are rounded, bool becomes 0 or 1.
     */
    public float[] toFloatArray() {
        int n = size();
        float[] out = new float[n];
        ByteBuffer b = le();
        switch (dtype) {
            case FLOAT32 -> b.asFloatBuffer().get(out);
            case FLOAT64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getLong(8 * i);
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getInt(4 * i);
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i] & 0xff;
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i];
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i] != 0 ? 1f : 0f;
                }
            }
            default -> throw new AssertionError(dtype);
        }
        return out;
    }

    /**
     * A new float32 tensor with this array's shape, converted as by {@link #toFloatArray()}: float64 values are
     * rounded to float32 and large integers lose precision.
     */
    public Tensor toTensor() {
        return Tensor.wrap(toFloatArray(), shape.clone());
    }

    /**
     * The values as doubles: exact for every dtype except int64 values above 2^53 in magnitude (rounded); bool
     * becomes 0 or 1.
     */
    public double[] toDoubleArray() {
        int n = size();
        if (dtype.equals(FLOAT64)) {
            double[] out = new double[n];
            le().asDoubleBuffer().get(out);
            return out;
        }
        if (dtype.equals(INT64)) {
            double[] out = new double[n];
            ByteBuffer b = le();
            for (int i = 0; i < n; i++) {
                out[i] = b.getLong(8 * i);
            }
            return out;
        }
        double[] out = new double[n];
        if (dtype.equals(INT32)) {
            ByteBuffer b = le();
            for (int i = 0; i < n; i++) {
                out[i] = b.getInt(4 * i);
            }
            return out;
        }
        float[] f = toFloatArray(); // exact for float32, uint8, int8 and bool
        for (int i = 0; i < n; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /**
     * The values as longs, for the integer and bool dtypes (uint8 as 0..255, bool as 0/1).
     *
     * @throws IllegalStateException for float dtypes (no silent truncation; use {@link #toDoubleArray()})
     */
    public long[] toLongArray() {
        int n = size();
        long[] out = new long[n];
        ByteBuffer b = le();
        switch (dtype) {
            case INT64 -> b.asLongBuffer().get(out);
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(4 * i);
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i] & 0xff;
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i];
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i] != 0 ? 1 : 0;
                }
            }
            default -> throw new IllegalStateException("toLongArray: dtype " + dtype
                    + " is a float type; use toDoubleArray() or toFloatArray()");
        }
        return out;
    }

    /**
     * The values as ints, for int32, uint8, int8 and bool (uint8 as 0..255, bool as 0/1).
     *
     * @throws IllegalStateException for float dtypes and for int64 (use {@link #toLongArray()})
     */
    public int[] toIntArray() {
        if (dtype.equals(INT32)) {
            int[] out = new int[size()];
            le().asIntBuffer().get(out);
            return out;
        }
        if (dtype.equals(INT64) || dtype.equals(FLOAT32) || dtype.equals(FLOAT64)) {
            throw new IllegalStateException("toIntArray: dtype " + dtype + " does not fit in int without loss; use "
                    + (dtype.equals(INT64) ? "toLongArray()" : "toDoubleArray() or toFloatArray()"));
        }
        long[] l = toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            out[i] = (int) l[i];
        }
        return out;
    }

    /**
     * The values as booleans (nonzero is true), for the bool dtype only.
     *
     * @throws IllegalStateException for any other dtype
     */
    public boolean[] toBooleanArray() {
        if (!dtype.equals(BOOL)) {
            throw new IllegalStateException("toBooleanArray: dtype is " + dtype + ", not " + BOOL);
        }
        boolean[] out = new boolean[data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = data[i] != 0;
        }
        return out;
    }

    // ------------------------------------------------------------------ object methods

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray a && dtype.equals(a.dtype) && Arrays.equals(shape, a.shape)
                && Arrays.equals(data, a.data);
    }

    @Override
    public int hashCode() {
        return (dtype.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NpyArray[dtype=" + dtype + ", shape=" + Arrays.toString(shape) + ", " + data.length + " bytes]";
    }

    // ------------------------------------------------------------------ helpers

    private ByteBuffer le() {
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer buffer(int n, int item) {
        if ((long) n * item > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("NpyArray: " + n + " elements of " + item
                    + " bytes do not fit in a Java byte array");
        }
        return ByteBuffer.allocate(n * item).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Bytes per element of a normalized dtype, or -1 if it is not one. */
    static int itemSize(String dtype) {
        return switch (dtype) {
            case FLOAT64, INT64 -> 8;
            case FLOAT32, INT32 -> 4;
            case UINT8, INT8, BOOL -> 1;
            default -> -1;
        };
    }

    /** Product of the dims, or -1 if a dim is negative or the product exceeds {@link #MAX_ELEMENTS}. */
    static long elementCount(int[] shape) {
        long n = 1;
        boolean empty = false;
        for (int d : shape) {
            if (d < 0) {
                return -1;
            }
            empty |= d == 0;
        }
        if (empty) {
            return 0;
        }
        for (int d : shape) {
            n *= d;
            if (n > MAX_ELEMENTS) {
                return -1;
            }
        }
        return n;
    }
}
