package org.lrp4j.tensor;

import java.util.Arrays;
import java.util.random.RandomGenerator;

import org.lrp4j.tensor.kernel.Parallel;
import org.lrp4j.tensor.kernel.Sgemm;

/**
 * A dense, row-major float32 tensor (NCHW for images).
 *
 * <p>Every tensor is contiguous: it is a window {@code [offset, offset + size)} of a float array. Views made by
 * {@link #reshape}, {@link #flattenFrom}, {@link #slice}, {@link #select}, {@link #squeeze} and {@link #unsqueeze}
 * share that array with their source; every other operation (including {@link #broadcastTo} and {@link #sumTo} when
 * the shape already matches) returns a new tensor. Methods whose name ends in {@code InPlace} write into this tensor (and so into the views that share
 * its data); the optimisers and gradient accumulation use them.
 */
public final class Tensor {
    private final float[] data;
    private final int offset;
    private final Shape shape;

    private Tensor(float[] data, int offset, Shape shape) {
        this.data = data;
        this.offset = offset;
        this.shape = shape;
    }

    // ------------------------------------------------------------------ creation

    /** Wraps {@code data} (not copied) as a tensor of the given shape. */
    public static Tensor wrap(float[] data, Shape shape) {
        if (data.length != shape.size()) {
            throw new TensorShapeException("wrap: shape " + shape + " needs " + shape.size()
                    + " values but the array has " + data.length);
        }
        return new Tensor(data, 0, shape);
    }

    /** Wraps {@code data} (not copied) as a tensor of the given dimensions. */
    public static Tensor wrap(float[] data, int... dims) {
        return wrap(data, Shape.of(dims));
    }

    /** A copy of {@code values} with the given dimensions. */
    public static Tensor of(float[] values, int... dims) {
        return wrap(values.clone(), dims);
    }

    public static Tensor scalar(float value) {
        return new Tensor(new float[] {value}, 0, Shape.scalar());
    }

    public static Tensor zeros(Shape shape) {
        return new Tensor(new float[shape.size()], 0, shape);
    }

    public static Tensor zeros(int... dims) {
        return zeros(Shape.of(dims));
    }

    public static Tensor full(Shape shape, float value) {
        float[] d = new float[shape.size()];
        Arrays.fill(d, value);
        return new Tensor(d, 0, shape);
    }

    public static Tensor full(float value, int... dims) {
        return full(Shape.of(dims), value);
    }

    public static Tensor ones(int... dims) {
        return full(Shape.of(dims), 1f);
    }

    public static Tensor onesLike(Tensor t) {
        return full(t.shape, 1f);
    }

    public static Tensor zerosLike(Tensor t) {
        return zeros(t.shape);
    }

    /** 0, 1, ..., n-1. */
    public static Tensor arange(int n) {
        if (n < 0) {
            throw new TensorShapeException("arange: n must be >= 0 but was " + n);
        }
        float[] d = new float[n];
        for (int i = 0; i < n; i++) {
            d[i] = i;
        }
        return new Tensor(d, 0, Shape.of(n));
    }

    /** Standard normal samples scaled by {@code std}. */
    public static Tensor randn(RandomGenerator rng, float std, int... dims) {
        Shape s = Shape.of(dims);
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (rng.nextGaussian() * std);
        }
        return new Tensor(d, 0, s);
    }

    /** Uniform samples in [low, high). */
    public static Tensor rand(RandomGenerator rng, float low, float high, int... dims) {
        Shape s = Shape.of(dims);
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (low + (high - low) * rng.nextDouble());
        }
        return new Tensor(d, 0, s);
    }

    // ------------------------------------------------------------------ access

    public Shape shape() {
        return shape;
    }

    public int[] dims() {
        return shape.toArray();
    }

    public int rank() {
        return shape.rank();
    }

    public int dim(int axis) {
        return shape.dim(shape.normalizeAxis("dim", axis));
    }

    public int size() {
        return shape.size();
    }

    /** The backing array, shared: elements live at {@code [offset(), offset() + size())}. For kernels. */
    public float[] data() {
        return data;
    }

    public int offset() {
        return offset;
    }

    /** A fresh array with this tensor's values. */
    public float[] toArray() {
        return Arrays.copyOfRange(data, offset, offset + shape.size());
    }

    public float item() {
        if (shape.size() != 1) {
            throw new TensorShapeException("item: tensor must have exactly one element but has shape " + shape);
        }
        return data[offset];
    }

    public float get(int... index) {
        return data[offset + flatIndex("get", index)];
    }

    public void set(float value, int... index) {
        data[offset + flatIndex("set", index)] = value;
    }

    /** Value at flat (row-major) position {@code i}. */
    public float getFlat(int i) {
        return data[offset + checkFlat(i)];
    }

    public void setFlat(int i, float value) {
        data[offset + checkFlat(i)] = value;
    }

    private int checkFlat(int i) {
        if (i < 0 || i >= shape.size()) {
            throw new IndexOutOfBoundsException("flat index " + i + " is out of range for shape " + shape);
        }
        return i;
    }

    private int flatIndex(String op, int[] index) {
        if (index.length != shape.rank()) {
            throw new TensorShapeException(op + ": index " + Arrays.toString(index) + " has " + index.length
                    + " coordinates but the tensor has shape " + shape);
        }
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            int d = shape.dim(i);
            if (index[i] < 0 || index[i] >= d) {
                throw new IndexOutOfBoundsException(op + ": index " + Arrays.toString(index)
                        + " is out of range for shape " + shape);
            }
            flat = flat * d + index[i];
        }
        return flat;
    }

    public Tensor copy() {
        return new Tensor(toArray(), 0, shape);
    }

    // ------------------------------------------------------------------ views

    /** A view with new dimensions (one may be -1 and is inferred); shares data. */
    public Tensor reshape(int... dims) {
        int[] d = dims.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < d.length; i++) {
            if (d[i] == -1) {
                if (infer >= 0) {
                    throw new TensorShapeException("reshape: only one dimension may be -1 in " + Arrays.toString(dims)
                            + " (reshaping " + shape + ")");
                }
                infer = i;
            } else if (d[i] < 0) {
                throw new TensorShapeException("reshape: negative dimension in " + Arrays.toString(dims)
                        + " (reshaping " + shape + ")");
            } else {
                known *= d[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || shape.size() % known != 0) {
                throw new TensorShapeException("reshape: cannot reshape " + shape + " to " + Arrays.toString(dims));
            }
            d[infer] = (int) (shape.size() / known);
        }
        Shape s = Shape.of(d);
        if (s.size() != shape.size()) {
            throw new TensorShapeException("reshape: cannot reshape " + shape + " (" + shape.size() + " elements) to "
                    + s + " (" + s.size() + " elements)");
        }
        return new Tensor(data, offset, s);
    }

    public Tensor reshape(Shape s) {
        return reshape(s.toArray());
    }

    /** Collapses axes {@code axis..} into one, as a view: {@code flattenFrom(1)} maps [N, ...] to [N, rest]. */
    public Tensor flattenFrom(int axis) {
        int a = axis == shape.rank() ? axis : shape.normalizeAxis("flattenFrom", axis);
        int[] d = new int[a + 1];
        for (int i = 0; i < a; i++) {
            d[i] = shape.dim(i);
        }
        d[a] = shape.sizeOf(a, shape.rank());
        return reshape(d);
    }

    /** Rows [from, to) along axis 0, as a view sharing data. */
    public Tensor slice(int from, int to) {
        if (shape.rank() == 0) {
            throw new TensorShapeException("slice: cannot slice a scalar");
        }
        int n = shape.dim(0);
        if (from < 0 || to > n || from > to) {
            throw new IndexOutOfBoundsException("slice: range [" + from + ", " + to + ") is out of bounds for axis 0 of "
                    + shape);
        }
        int row = shape.sizeOf(1, shape.rank());
        return new Tensor(data, offset + from * row, shape.withDim(0, to - from));
    }

    /** Item {@code i} along axis 0 with that axis removed, as a view. */
    public Tensor select(int i) {
        if (shape.rank() == 0) {
            throw new TensorShapeException("select: cannot select from a scalar (shape " + shape + ")");
        }
        if (i < 0 || i >= shape.dim(0)) {
            throw new IndexOutOfBoundsException("select: index " + i + " is out of range for axis 0 of shape " + shape);
        }
        Tensor s = slice(i, i + 1);
        int[] d = shape.toArray();
        return new Tensor(s.data, s.offset, Shape.of(Arrays.copyOfRange(d, 1, d.length)));
    }

    /** Adds a dimension of size 1 at {@code axis}. */
    public Tensor unsqueeze(int axis) {
        int r = shape.rank();
        int a = axis < 0 ? axis + r + 1 : axis;
        if (a < 0 || a > r) {
            throw new TensorShapeException("unsqueeze: axis " + axis + " is out of range for shape " + shape);
        }
        int[] d = new int[r + 1];
        for (int i = 0, j = 0; i <= r; i++) {
            d[i] = i == a ? 1 : shape.dim(j++);
        }
        return new Tensor(data, offset, Shape.of(d));
    }

    /** Removes the dimension {@code axis}, which must have size 1. */
    public Tensor squeeze(int axis) {
        int a = shape.normalizeAxis("squeeze", axis);
        if (shape.dim(a) != 1) {
            throw new TensorShapeException("squeeze: axis " + axis + " of shape " + shape + " has size "
                    + shape.dim(a) + ", not 1");
        }
        int[] d = new int[shape.rank() - 1];
        for (int i = 0, j = 0; i < shape.rank(); i++) {
            if (i != a) {
                d[j++] = shape.dim(i);
            }
        }
        return new Tensor(data, offset, Shape.of(d));
    }

    // ------------------------------------------------------------------ elementwise

    /** Elementwise binary operations with NumPy broadcasting. */
    public enum BinaryOp {
        ADD, SUB, MUL, DIV, MAX, MIN, POW, GT, GE, LT, LE, EQ;

        private final String opName = name().toLowerCase(java.util.Locale.ROOT);

        String opName() {
            return opName;
        }
    }

    /** Elementwise unary operations. */
    public enum UnaryOp {
        NEG, ABS, EXP, LOG, SQRT, SQUARE, RECIPROCAL, TANH, SIGMOID, RELU,
        /** NumPy sign: -1, 0 or +1. */
        SIGN,
        /** The LRP stabilizer sign: +1 for x >= 0 (zero counts as positive), -1 otherwise. */
        SIGN_NONNEG,
        /** 1 where x > 0, else 0 (the ReLU derivative, 0 at 0). */
        STEP
    }

    public Tensor add(Tensor o) {
        return binary(BinaryOp.ADD, o);
    }

    public Tensor sub(Tensor o) {
        return binary(BinaryOp.SUB, o);
    }

    public Tensor mul(Tensor o) {
        return binary(BinaryOp.MUL, o);
    }

    public Tensor div(Tensor o) {
        return binary(BinaryOp.DIV, o);
    }

    public Tensor maximum(Tensor o) {
        return binary(BinaryOp.MAX, o);
    }

    public Tensor minimum(Tensor o) {
        return binary(BinaryOp.MIN, o);
    }

    public Tensor pow(Tensor o) {
        return binary(BinaryOp.POW, o);
    }

    /** 1 where this &gt; o, else 0. */
    public Tensor gt(Tensor o) {
        return binary(BinaryOp.GT, o);
    }

    public Tensor ge(Tensor o) {
        return binary(BinaryOp.GE, o);
    }

    public Tensor lt(Tensor o) {
        return binary(BinaryOp.LT, o);
    }

    public Tensor le(Tensor o) {
        return binary(BinaryOp.LE, o);
    }

    public Tensor eq(Tensor o) {
        return binary(BinaryOp.EQ, o);
    }

    public Tensor add(float s) {
        return binaryScalar(BinaryOp.ADD, s);
    }

    public Tensor sub(float s) {
        return binaryScalar(BinaryOp.SUB, s);
    }

    public Tensor mul(float s) {
        return binaryScalar(BinaryOp.MUL, s);
    }

    public Tensor div(float s) {
        return binaryScalar(BinaryOp.DIV, s);
    }

    public Tensor pow(float s) {
        return binaryScalar(BinaryOp.POW, s);
    }

    public Tensor gt(float s) {
        return binaryScalar(BinaryOp.GT, s);
    }

    public Tensor lt(float s) {
        return binaryScalar(BinaryOp.LT, s);
    }

    public Tensor neg() {
        return unary(UnaryOp.NEG);
    }

    public Tensor abs() {
        return unary(UnaryOp.ABS);
    }

    public Tensor exp() {
        return unary(UnaryOp.EXP);
    }

    public Tensor log() {
        return unary(UnaryOp.LOG);
    }

    public Tensor sqrt() {
        return unary(UnaryOp.SQRT);
    }

    public Tensor square() {
        return unary(UnaryOp.SQUARE);
    }

    public Tensor reciprocal() {
        return unary(UnaryOp.RECIPROCAL);
    }

    public Tensor tanh() {
        return unary(UnaryOp.TANH);
    }

    public Tensor sigmoid() {
        return unary(UnaryOp.SIGMOID);
    }

    public Tensor relu() {
        return unary(UnaryOp.RELU);
    }

    /**
     * This tensor where {@code condition} is positive, else 0: {@code this * step(condition)} in one pass (the
     * gradient of a ReLU at {@code condition}). Shapes broadcast as for {@link #mul}.
     */
    public Tensor wherePositive(Tensor condition) {
        if (!shape.equals(condition.shape)) {
            return mul(condition.unary(UnaryOp.STEP));
        }
        int n = size();
        float[] out = new float[n];
        float[] c = condition.data;
        int co = condition.offset;
        Parallel.range(n, PARALLEL_GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                out[i] = data[offset + i] * step(c[co + i]);
            }
        });
        return new Tensor(out, 0, shape);
    }

    /**
     * {@code this * scale[c] + shift[c]} for every channel c of axis 1 (a [N, C, ...] tensor, scale and shift C
     * values each, shift null for none) in one pass: inference batch normalisation. The same floats as
     * {@code mul} then {@code add} with [1, C, 1, ...] operands.
     */
    public Tensor channelAffine(Tensor scale, Tensor shift) {
        float[] out = new float[size()];
        channelAffineInto(scale, shift, out, 0);
        return new Tensor(out, 0, shape);
    }

    /** {@link #channelAffine} written over this tensor, which is returned. */
    public Tensor channelAffineInPlace(Tensor scale, Tensor shift) {
        channelAffineInto(scale, shift, data, offset);
        return this;
    }

    private void channelAffineInto(Tensor scale, Tensor shift, float[] out, int outOffset) {
        if (rank() < 2) {
            throw new TensorShapeException("channelAffine: input must be [N, C, ...] but has shape " + shape);
        }
        int channels = shape.dim(1);
        if (scale.size() != channels || shift != null && shift.size() != channels) {
            throw new TensorShapeException("channelAffine: scale and shift must have " + channels + " values (axis 1"
                    + " of " + shape + ") but have " + scale.size() + (shift == null ? "" : " and " + shift.size()));
        }
        float[] a = scale.toArray();
        float[] b = shift == null ? null : shift.toArray();
        int plane = shape.sizeOf(2, rank());
        int planes = size() / Math.max(1, plane);
        Parallel.range(planes, Math.max(1, PARALLEL_GRAIN / Math.max(1, plane)), (from, to) -> {
            for (int q = from; q < to; q++) {
                int c = q % channels;
                float ac = a[c];
                int src = offset + q * plane;
                int dst = outOffset + q * plane;
                if (b == null) {
                    for (int j = 0; j < plane; j++) {
                        out[dst + j] = data[src + j] * ac;
                    }
                } else {
                    float bc = b[c];
                    for (int j = 0; j < plane; j++) {
                        out[dst + j] = data[src + j] * ac + bc;
                    }
                }
            }
        });
    }

    public Tensor sign() {
        return unary(UnaryOp.SIGN);
    }

    /** Positive part max(x, 0). */
    public Tensor positive() {
        return clamp(0f, Float.POSITIVE_INFINITY);
    }

    /** Negative part min(x, 0). */
    public Tensor negative() {
        return clamp(Float.NEGATIVE_INFINITY, 0f);
    }

    public Tensor clamp(float min, float max) {
        if (min > max) {
            throw new IllegalArgumentException("clamp: min " + min + " > max " + max);
        }
        int n = size();
        float[] out = new float[n];
        Parallel.range(n, PARALLEL_GRAIN, (from, to) -> {
            // Math.min/max compile to branch-free instructions (and keep NaN); a ternary mispredicts on random signs
            for (int i = from; i < to; i++) {
                out[i] = Math.min(Math.max(data[offset + i], min), max);
            }
        });
        return new Tensor(out, 0, shape);
    }

    /**
     * The LRP stabilizer in one pass: x + eps * s(x) with s(x) = +1 for x >= 0 (zero, also -0, counts as positive)
     * and -1 otherwise.
     */
    public Tensor stabilized(float eps) {
        int n = size();
        float[] out = new float[n];
        float[] x = offset == 0 ? data : toArray();
        Parallel.range(n, PARALLEL_GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                float v = x[i];
                out[i] = v + eps * stabilizerSign(v);
            }
        });
        return new Tensor(out, 0, shape);
    }

    /** this / (d + eps * s(d)) elementwise for equal shapes, in one pass (the LRP ratio R / stab(z)). */
    public Tensor divStabilized(Tensor d, float eps) {
        requireSameShape("divStabilized", d);
        int n = size();
        float[] out = new float[n];
        // all three read at one index: with offsets the compiler does not vectorize the loop
        float[] dd = d.offset == 0 ? d.data : d.toArray();
        float[] rd = offset == 0 ? data : toArray();
        Parallel.range(n, PARALLEL_GRAIN, (from, to) -> {
            for (int i = from; i < to; i++) {
                float v = dd[i];
                out[i] = rd[i] / (v + eps * stabilizerSign(v));
            }
        });
        return new Tensor(out, 0, shape);
    }

    /**
     * s(v) of the stabilizer: +1 for v &gt;= 0 (also -0), -1 for v &lt; 0, NaN for NaN. Branch-free and without
     * Math.copySign, which the JDK 17 compiler does not vectorize (2.5x slower here): v scaled by 2^254 is at least
     * 2^105 in magnitude for any non-zero float, so adding 1 and clamping to [-1, 1] leaves its sign, and 1 for zero.
     */
    private static float stabilizerSign(float v) {
        return Math.max(Math.min(v * 0x1p127f * 0x1p127f + 1f, 1f), -1f);
    }

    /** {@code mask != 0 ? a : b}, elementwise with broadcasting of all three. */
    public static Tensor where(Tensor mask, Tensor a, Tensor b) {
        Shape s;
        try {
            s = Shape.broadcast("where", Shape.broadcast("where", mask.shape, a.shape), b.shape);
        } catch (TensorShapeException e) {
            throw new TensorShapeException("where: cannot broadcast mask " + mask.shape + ", a " + a.shape
                    + " and b " + b.shape + " together");
        }
        float[] m = mask.broadcastTo(s).toArrayShared();
        float[] x = a.broadcastTo(s).toArrayShared();
        float[] y = b.broadcastTo(s).toArrayShared();
        float[] out = new float[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = m[i] != 0f ? x[i] : y[i];
        }
        return new Tensor(out, 0, s);
    }

    /** The array itself when this tensor covers it exactly, else a copy. */
    private float[] toArrayShared() {
        return offset == 0 && data.length == size() ? data : toArray();
    }

    /** The unary operation written over this tensor, which is returned. */
    public Tensor unaryInPlace(UnaryOp op) {
        Parallel.range(size(), PARALLEL_GRAIN, (from, to) -> unaryLoop(op, data, offset + from, data, offset + from,
                to - from));
        return this;
    }

    public Tensor unary(UnaryOp op) {
        int n = size();
        float[] out = new float[n];
        Parallel.range(n, PARALLEL_GRAIN, (from, to) -> unaryLoop(op, data, offset + from, out, from, to - from));
        return new Tensor(out, 0, shape);
    }

    /** Elementwise loops split across threads from this many elements on; below it the split costs more. */
    private static final int PARALLEL_GRAIN = 1 << 15;

    private static void unaryLoop(UnaryOp op, float[] x, int xo, float[] out, int yo, int n) {
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) { out[yo + i] = -x[xo + i]; } }
            case ABS -> { for (int i = 0; i < n; i++) { out[yo + i] = Math.abs(x[xo + i]); } }
            case EXP -> { for (int i = 0; i < n; i++) { out[yo + i] = (float) Math.exp(x[xo + i]); } }
            case LOG -> { for (int i = 0; i < n; i++) { out[yo + i] = (float) Math.log(x[xo + i]); } }
            case SQRT -> { for (int i = 0; i < n; i++) { out[yo + i] = (float) Math.sqrt(x[xo + i]); } }
            case SQUARE -> { for (int i = 0; i < n; i++) { float v = x[xo + i]; out[yo + i] = v * v; } }
            case RECIPROCAL -> { for (int i = 0; i < n; i++) { out[yo + i] = 1f / x[xo + i]; } }
            case TANH -> { for (int i = 0; i < n; i++) { out[yo + i] = (float) Math.tanh(x[xo + i]); } }
            case SIGMOID -> { for (int i = 0; i < n; i++) { out[yo + i] = sigmoid(x[xo + i]); } }
            case RELU -> { for (int i = 0; i < n; i++) { out[yo + i] = Math.max(x[xo + i], 0f); } }
            case SIGN -> { for (int i = 0; i < n; i++) { out[yo + i] = Math.signum(x[xo + i]); } }
            case SIGN_NONNEG -> { for (int i = 0; i < n; i++) { out[yo + i] = Math.copySign(1f, x[xo + i] + 0f); } }
            case STEP -> {
                for (int i = 0; i < n; i++) {
                    out[yo + i] = step(x[xo + i]);
                }
            }
            default -> throw new IllegalStateException(op.name());
        }
    }

    /** 1 for v &gt; 0, else 0, branch-free: any positive float (even the smallest subnormal) times 2^254 is &gt;= 1. */
    private static float step(float v) {
        return Math.min(Math.max(v * 0x1p127f * 0x1p127f, 0f), 1f);
    }

    private static float sigmoid(float v) {
        // Two branches keep exp from overflowing for large |v|.
        if (v >= 0) {
            return (float) (1.0 / (1.0 + Math.exp(-v)));
        }
        double e = Math.exp(v);
        return (float) (e / (1.0 + e));
    }

    private Tensor binaryScalar(BinaryOp op, float s) {
        int n = size();
        float[] out = new float[n];
        float[] sv = {s};
        Parallel.range(n, PARALLEL_GRAIN,
                (from, to) -> binaryLoop(op, data, offset + from, 1, sv, 0, 0, out, from, to - from));
        return new Tensor(out, 0, shape);
    }

    public Tensor binary(BinaryOp op, Tensor o) {
        if (shape.equals(o.shape)) {
            int n = size();
            float[] out = new float[n];
            Parallel.range(n, PARALLEL_GRAIN, (from, to) -> binaryLoop(op, data, offset + from, 1, o.data,
                    o.offset + from, 1, out, from, to - from));
            return new Tensor(out, 0, shape);
        }
        Shape s = Shape.broadcast(op.opName(), shape, o.shape);
        float[] out = new float[s.size()];
        int r = s.rank();
        if (r == 0 || s.size() == 0) {
            if (s.size() == 1) {
                binaryLoop(op, data, offset, 0, o.data, o.offset, 0, out, 0, 1);
            }
            return new Tensor(out, 0, s);
        }
        int[] sa = broadcastStrides(shape, s);
        int[] sb = broadcastStrides(o.shape, s);
        // Adjacent axes that both operands step through as one (e.g. [N,C,H,W] against [1,C,H,W]) are merged, so
        // the inner loop runs over whole contiguous runs instead of one row of the last axis at a time.
        int[] dims = s.toArray();
        int m = 0;
        for (int ax = 1; ax < r; ax++) {
            if (dims[ax] == 1) {
                continue;
            }
            if (dims[m] == 1 || sa[m] == sa[ax] * dims[ax] && sb[m] == sb[ax] * dims[ax]) {
                dims[m] *= dims[ax];
                sa[m] = sa[ax];
                sb[m] = sb[ax];
            } else {
                m++;
                dims[m] = dims[ax];
                sa[m] = sa[ax];
                sb[m] = sb[ax];
            }
        }
        int rank = m + 1;
        int inner = dims[rank - 1];
        int outer = s.size() / inner;
        int innerA = sa[rank - 1];
        int innerB = sb[rank - 1];
        Parallel.range(outer, Math.max(1, PARALLEL_GRAIN / inner), (from, to) -> {
            int ia = offset;
            int ib = o.offset;
            int[] idx = new int[rank];
            int rest = from;
            for (int ax = rank - 2; ax >= 0; ax--) {
                idx[ax] = rest % dims[ax];
                rest /= dims[ax];
                ia += idx[ax] * sa[ax];
                ib += idx[ax] * sb[ax];
            }
            for (int row = from; row < to; row++) {
                binaryLoop(op, data, ia, innerA, o.data, ib, innerB, out, row * inner, inner);
                // advance the multi-index over the outer axes
                for (int ax = rank - 2; ax >= 0; ax--) {
                    idx[ax]++;
                    ia += sa[ax];
                    ib += sb[ax];
                    if (idx[ax] < dims[ax]) {
                        break;
                    }
                    ia -= sa[ax] * idx[ax];
                    ib -= sb[ax] * idx[ax];
                    idx[ax] = 0;
                }
            }
        });
        return new Tensor(out, 0, s);
    }

    /** Strides of {@code from} laid out in the axes of {@code to}; 0 on broadcast axes. */
    private static int[] broadcastStrides(Shape from, Shape to) {
        int r = to.rank();
        int[] st = new int[r];
        int[] fs = from.strides();
        int lead = r - from.rank();
        for (int i = lead; i < r; i++) {
            st[i] = from.dim(i - lead) == 1 ? 0 : fs[i - lead];
        }
        return st;
    }

    private static void binaryLoop(BinaryOp op, float[] a, int ia, int sa, float[] b, int ib, int sb,
                                   float[] out, int io, int n) {
        if (sa == 1 && sb == 1) {
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i] + b[ib + i]; } return; }
                case SUB -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i] - b[ib + i]; } return; }
                case MUL -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i] * b[ib + i]; } return; }
                case DIV -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i] / b[ib + i]; } return; }
                default -> { }
            }
        } else if (sa == 1 && sb == 0) {
            float bv = b[ib];
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i] + bv; } return; }
                case SUB -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i] - bv; } return; }
                case MUL -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i] * bv; } return; }
                case DIV -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i] / bv; } return; }
                default -> { }
            }
        }
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] + b[ib + i * sb]; } }
            case SUB -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] - b[ib + i * sb]; } }
            case MUL -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] * b[ib + i * sb]; } }
            case DIV -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] / b[ib + i * sb]; } }
            case MAX -> { for (int i = 0; i < n; i++) { out[io + i] = Math.max(a[ia + i * sa], b[ib + i * sb]); } }
            case MIN -> { for (int i = 0; i < n; i++) { out[io + i] = Math.min(a[ia + i * sa], b[ib + i * sb]); } }
            case POW -> {
                for (int i = 0; i < n; i++) {
                    out[io + i] = (float) Math.pow(a[ia + i * sa], b[ib + i * sb]);
                }
            }
            case GT -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] > b[ib + i * sb] ? 1f : 0f; } }
            case GE -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] >= b[ib + i * sb] ? 1f : 0f; } }
            case LT -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] < b[ib + i * sb] ? 1f : 0f; } }
            case LE -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] <= b[ib + i * sb] ? 1f : 0f; } }
            case EQ -> { for (int i = 0; i < n; i++) { out[io + i] = a[ia + i * sa] == b[ib + i * sb] ? 1f : 0f; } }
            default -> throw new IllegalStateException(op.name());
        }
    }

    /** A copy of this tensor broadcast to {@code target} (NumPy rules); always a new tensor. */
    public Tensor broadcastTo(Shape target) {
        if (shape.equals(target)) {
            return copy();
        }
        Shape s = Shape.broadcast("broadcastTo", shape, target);
        if (!s.equals(target)) {
            throw new TensorShapeException("broadcastTo: cannot broadcast " + shape + " to " + target);
        }
        return zeros(target).binary(BinaryOp.ADD, this);
    }

    /**
     * Sums this tensor down to {@code target}, the inverse of broadcasting: the gradient of a broadcast operand.
     * Always a new tensor.
     */
    public Tensor sumTo(Shape target) {
        if (shape.equals(target)) {
            return copy();
        }
        int r = shape.rank();
        int lead = r - target.rank();
        if (lead < 0) {
            throw new TensorShapeException("sumTo: cannot reduce " + shape + " to the larger rank of " + target);
        }
        Tensor t = this;
        for (int ax = 0; ax < r; ax++) {
            boolean reduce = ax < lead || (target.dim(ax - lead) == 1 && shape.dim(ax) != 1);
            if (!reduce && ax >= lead && target.dim(ax - lead) != shape.dim(ax)) {
                throw new TensorShapeException("sumTo: cannot reduce " + shape + " to " + target);
            }
            if (reduce) {
                t = t.sum(ax, true);
            }
        }
        return t.reshape(target);
    }

    // ------------------------------------------------------------------ in place

    /** this += o (o broadcast to this shape). */
    public Tensor addInPlace(Tensor o) {
        Tensor src = o;
        if (!o.shape.equals(shape)) {
            Shape b;
            try {
                b = Shape.broadcast("addInPlace", o.shape, shape);
            } catch (TensorShapeException e) {
                b = null;
            }
            if (!shape.equals(b)) {
                throw new TensorShapeException("addInPlace: cannot broadcast the other tensor's shape " + o.shape
                        + " to this tensor's shape " + shape);
            }
            src = o.broadcastTo(shape);
        }
        int n = size();
        for (int i = 0; i < n; i++) {
            data[offset + i] += src.data[src.offset + i];
        }
        return this;
    }

    /** this += alpha * o, same shapes. */
    public Tensor addScaledInPlace(float alpha, Tensor o) {
        requireSameShape("addScaledInPlace", o);
        int n = size();
        for (int i = 0; i < n; i++) {
            data[offset + i] += alpha * o.data[o.offset + i];
        }
        return this;
    }

    public Tensor mulInPlace(float s) {
        int n = size();
        for (int i = 0; i < n; i++) {
            data[offset + i] *= s;
        }
        return this;
    }

    public Tensor fillInPlace(float v) {
        Arrays.fill(data, offset, offset + size(), v);
        return this;
    }

    public Tensor copyFromInPlace(Tensor o) {
        requireSameShape("copyFromInPlace", o);
        System.arraycopy(o.data, o.offset, data, offset, size());
        return this;
    }

    private void requireSameShape(String op, Tensor o) {
        if (!shape.equals(o.shape)) {
            throw TensorShapeException.expected(op, "the other tensor's shape", shape, o.shape);
        }
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements as a scalar tensor. */
    public Tensor sum() {
        double s = 0;
        for (int i = 0; i < size(); i++) {
            s += data[offset + i];
        }
        return scalar((float) s);
    }

    public float sumValue() {
        return sum().item();
    }

    /** Mean of all elements as a scalar tensor; NaN for an empty tensor, as in NumPy and PyTorch. */
    public Tensor mean() {
        return scalar(size() == 0 ? Float.NaN : sumValue() / size());
    }

    public Tensor max() {
        return scalar(extreme("max", true));
    }

    public Tensor min() {
        return scalar(extreme("min", false));
    }

    /** Maximum or minimum of all elements (NaN wins): chunks in parallel, four independent chains each. */
    private float extreme(String op, boolean max) {
        int n = size();
        if (n == 0) {
            throw new TensorShapeException(op + ": tensor of shape " + shape + " is empty");
        }
        int chunks = Math.max(1, Math.min(64, n / PARALLEL_GRAIN));
        float[] part = new float[chunks];
        Parallel.range(chunks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                int from = offset + (int) ((long) n * c / chunks);
                int to = offset + (int) ((long) n * (c + 1) / chunks);
                float m0 = data[from];
                float m1 = m0;
                float m2 = m0;
                float m3 = m0;
                int i = from;
                for (; i + 3 < to; i += 4) {
                    if (max) {
                        m0 = Math.max(m0, data[i]);
                        m1 = Math.max(m1, data[i + 1]);
                        m2 = Math.max(m2, data[i + 2]);
                        m3 = Math.max(m3, data[i + 3]);
                    } else {
                        m0 = Math.min(m0, data[i]);
                        m1 = Math.min(m1, data[i + 1]);
                        m2 = Math.min(m2, data[i + 2]);
                        m3 = Math.min(m3, data[i + 3]);
                    }
                }
                for (; i < to; i++) {
                    m0 = max ? Math.max(m0, data[i]) : Math.min(m0, data[i]);
                }
                part[c] = max ? Math.max(Math.max(m0, m1), Math.max(m2, m3)) : Math.min(Math.min(m0, m1), Math.min(m2, m3));
            }
        });
        float m = part[0];
        for (float v : part) {
            m = max ? Math.max(m, v) : Math.min(m, v);
        }
        return m;
    }

    public Tensor sum(int axis, boolean keepDims) {
        return reduce("sum", axis, keepDims, 0);
    }

    public Tensor mean(int axis, boolean keepDims) {
        return reduce("mean", axis, keepDims, 1);
    }

    public Tensor max(int axis, boolean keepDims) {
        return reduce("max", axis, keepDims, 2);
    }

    public Tensor min(int axis, boolean keepDims) {
        return reduce("min", axis, keepDims, 3);
    }

    /** Index of the first maximum along {@code axis} (as float values), axis removed. */
    public Tensor argmax(int axis) {
        return reduce("argmax", axis, false, 4);
    }

    /** Sum over several axes. */
    public Tensor sum(int[] axes, boolean keepDims) {
        int[] norm = normalizeAxes("sum", axes);
        Tensor t = this;
        for (int ax : norm) {
            t = t.sum(ax, true);
        }
        if (t == this) {
            t = copy();
        }
        return keepDims ? t : t.reshape(removeAxes(shape, norm));
    }

    /** Mean over several axes. */
    public Tensor mean(int[] axes, boolean keepDims) {
        int[] norm = normalizeAxes("mean", axes);
        int count = 1;
        for (int ax : norm) {
            count *= shape.dim(ax);
        }
        // An empty reduction gives 0 / 0 = NaN, as mean(axis, keepDims) and NumPy do.
        return sum(norm, keepDims).div((float) count);
    }

    private int[] normalizeAxes(String op, int[] axes) {
        int[] n = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            n[i] = shape.normalizeAxis(op, axes[i]);
            for (int j = 0; j < i; j++) {
                if (n[j] == n[i]) {
                    throw new TensorShapeException(op + ": axis " + axes[i] + " is repeated in " + Arrays.toString(axes));
                }
            }
        }
        return n;
    }

    private static int[] removeAxes(Shape s, int[] axes) {
        int[] d = new int[s.rank() - axes.length];
        int j = 0;
        outer:
        for (int i = 0; i < s.rank(); i++) {
            for (int a : axes) {
                if (a == i) {
                    continue outer;
                }
            }
            d[j++] = s.dim(i);
        }
        return d;
    }

    private Tensor reduce(String op, int axis, boolean keepDims, int kind) {
        int a = shape.normalizeAxis(op, axis);
        int len = shape.dim(a);
        if (len == 0 && kind >= 2) {
            throw new TensorShapeException(op + ": axis " + axis + " of shape " + shape + " is empty");
        }
        int outer = shape.sizeOf(0, a);
        int inner = shape.sizeOf(a + 1, shape.rank());
        float[] out = new float[outer * inner];
        for (int o = 0; o < outer; o++) {
            int base = offset + o * len * inner;
            for (int i = 0; i < inner; i++) {
                int p = base + i;
                switch (kind) {
                    case 0, 1 -> {
                        double s = 0;
                        for (int k = 0; k < len; k++) {
                            s += data[p + k * inner];
                        }
                        out[o * inner + i] = (float) (kind == 1 ? s / len : s);
                    }
                    case 2, 3 -> {
                        float m = data[p];
                        for (int k = 1; k < len; k++) {
                            float v = data[p + k * inner];
                            m = kind == 2 ? Math.max(m, v) : Math.min(m, v);
                        }
                        out[o * inner + i] = m;
                    }
                    default -> {
                        int best = 0;
                        float m = data[p];
                        for (int k = 1; k < len; k++) {
                            float v = data[p + k * inner];
                            if (v > m) {
                                m = v;
                                best = k;
                            }
                        }
                        out[o * inner + i] = best;
                    }
                }
            }
        }
        Shape s = keepDims ? shape.withDim(a, 1) : Shape.of(removeAxes(shape, new int[] {a}));
        return new Tensor(out, 0, s);
    }

    // ------------------------------------------------------------------ layout

    /** A copy with the axes permuted: output axis i is input axis perm[i]. */
    public Tensor permute(int... perm) {
        int r = shape.rank();
        if (perm.length != r) {
            throw new TensorShapeException("permute: permutation " + Arrays.toString(perm) + " has " + perm.length
                    + " axes but the tensor has shape " + shape);
        }
        boolean[] seen = new boolean[r];
        int[] outDims = new int[r];
        for (int i = 0; i < r; i++) {
            int p = shape.normalizeAxis("permute", perm[i]);
            if (seen[p]) {
                throw new TensorShapeException("permute: " + Arrays.toString(perm)
                        + " is not a permutation of the axes of shape " + shape);
            }
            seen[p] = true;
            outDims[i] = shape.dim(p);
        }
        Shape os = Shape.of(outDims);
        int[] inStrides = shape.strides();
        int[] st = new int[r];
        for (int i = 0; i < r; i++) {
            st[i] = inStrides[shape.normalizeAxis("permute", perm[i])];
        }
        float[] out = new float[os.size()];
        if (os.size() == 0) {
            return new Tensor(out, 0, os);
        }
        int[] idx = new int[r];
        int src = offset;
        for (int k = 0; k < out.length; k++) {
            out[k] = data[src];
            for (int ax = r - 1; ax >= 0; ax--) {
                idx[ax]++;
                src += st[ax];
                if (idx[ax] < outDims[ax]) {
                    break;
                }
                src -= st[ax] * idx[ax];
                idx[ax] = 0;
            }
        }
        return new Tensor(out, 0, os);
    }

    /** Matrix transpose of a rank-2 tensor (a copy). */
    public Tensor transpose() {
        if (rank() != 2) {
            throw TensorShapeException.expected("transpose", "rank", 2, rank() + " (shape " + shape + ")");
        }
        return permute(1, 0);
    }

    /** Joins tensors along {@code axis}; all other dimensions must agree. */
    public static Tensor concat(int axis, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("concat: no tensors given");
        }
        Shape first = parts[0].shape;
        int a = first.normalizeAxis("concat", axis);
        int total = 0;
        for (Tensor t : parts) {
            if (t.rank() != first.rank()) {
                throw new TensorShapeException("concat: shapes " + first + " and " + t.shape + " differ in rank");
            }
            for (int i = 0; i < first.rank(); i++) {
                if (i != a && t.shape.dim(i) != first.dim(i)) {
                    throw new TensorShapeException("concat: shapes " + first + " and " + t.shape
                            + " differ outside axis " + a);
                }
            }
            total += t.shape.dim(a);
        }
        Shape os = first.withDim(a, total);
        int outer = first.sizeOf(0, a);
        int inner = first.sizeOf(a + 1, first.rank());
        float[] out = new float[os.size()];
        int pos = 0;
        for (Tensor t : parts) {
            int chunk = t.shape.dim(a) * inner;
            for (int o = 0; o < outer; o++) {
                System.arraycopy(t.data, t.offset + o * chunk, out, o * total * inner + pos, chunk);
            }
            pos += chunk;
        }
        return new Tensor(out, 0, os);
    }

    /** Stacks equal-shaped tensors along a new axis. */
    public static Tensor stack(int axis, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("stack: no tensors given");
        }
        int r = parts[0].rank();
        if (axis < -r - 1 || axis > r) {
            throw new TensorShapeException("stack: axis " + axis + " is out of range for stacking tensors of shape "
                    + parts[0].shape + " (valid: " + (-r - 1) + " to " + r + ")");
        }
        Tensor[] u = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].shape.equals(parts[0].shape)) {
                throw new TensorShapeException("stack: shapes " + parts[0].shape + " and " + parts[i].shape + " differ");
            }
            u[i] = parts[i].unsqueeze(axis);
        }
        return concat(axis, u);
    }

    /** Splits along {@code axis} into pieces of the given sizes (copies). */
    /**
     * The two halves of {@code axis} added: out[.., j, ..] = this[.., j, ..] + this[.., k + j, ..] for an axis of
     * even length 2k (e.g. the positive and negative parts of a map computed as one stacked map). One pass.
     */
    public Tensor addHalves(int axis) {
        int a = shape.normalizeAxis("addHalves", axis);
        int len = shape.dim(a);
        if (len % 2 != 0) {
            throw new TensorShapeException("addHalves: axis " + axis + " of " + shape + " has odd length " + len);
        }
        Shape os = shape.withDim(a, len / 2);
        int chunk = len / 2 * shape.sizeOf(a + 1, shape.rank());
        float[] out = new float[os.size()];
        Parallel.range(out.length, PARALLEL_GRAIN, (from, to) -> {
            int i = from;
            while (i < to) {
                int o = i / chunk;
                int end = Math.min(to, (o + 1) * chunk);
                // output i = o * chunk + j reads j in the first half of row o, at o * 2 * chunk + j = o * chunk + i
                int first = offset + o * chunk;
                int second = first + chunk;
                for (; i < end; i++) {
                    out[i] = data[first + i] + data[second + i];
                }
            }
        });
        return new Tensor(out, 0, os);
    }

    public Tensor[] split(int axis, int... sizes) {
        int a = shape.normalizeAxis("split", axis);
        int sum = 0;
        for (int s : sizes) {
            if (s < 0) {
                throw new TensorShapeException("split: negative size in " + Arrays.toString(sizes));
            }
            sum += s;
        }
        if (sum != shape.dim(a)) {
            throw new TensorShapeException("split: sizes " + Arrays.toString(sizes) + " add up to " + sum
                    + " but axis " + axis + " of " + shape + " has " + shape.dim(a));
        }
        int outer = shape.sizeOf(0, a);
        int inner = shape.sizeOf(a + 1, shape.rank());
        Tensor[] out = new Tensor[sizes.length];
        int pos = 0;
        for (int p = 0; p < sizes.length; p++) {
            Shape ps = shape.withDim(a, sizes[p]);
            float[] d = new float[ps.size()];
            int chunk = sizes[p] * inner;
            for (int o = 0; o < outer; o++) {
                System.arraycopy(data, offset + o * shape.dim(a) * inner + pos, d, o * chunk, chunk);
            }
            out[p] = new Tensor(d, 0, ps);
            pos += chunk;
        }
        return out;
    }

    // ------------------------------------------------------------------ linear algebra

    /** Matrix product of rank-2 tensors [m, k] x [k, n]. */
    public Tensor matmul(Tensor o) {
        return matmul(this, false, o, false);
    }

    /** Matrix product op(a) x op(b) of rank-2 tensors, where op transposes when asked. */
    public static Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new TensorShapeException("matmul: operands must be rank 2 but were " + a.shape + " and " + b.shape);
        }
        int m = transA ? a.dim(1) : a.dim(0);
        int k = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        if (k != kb) {
            throw new TensorShapeException("matmul: inner dimensions differ: " + a.shape + (transA ? "^T" : "")
                    + " x " + b.shape + (transB ? "^T" : "") + " (" + k + " vs " + kb + ")");
        }
        float[] out = new float[m * n];
        Sgemm.gemm(transA, transB, m, n, k, 1f, a.data, a.offset, a.dim(1), b.data, b.offset, b.dim(1),
                0f, out, 0, n);
        return new Tensor(out, 0, Shape.of(m, n));
    }

    // ------------------------------------------------------------------ comparison

    /** Largest absolute elementwise difference; shapes must match. */
    public float maxAbsDiff(Tensor o) {
        requireSameShape("maxAbsDiff", o);
        float m = 0;
        for (int i = 0; i < size(); i++) {
            float x = data[offset + i];
            float y = o.data[o.offset + i];
            float d = x == y ? 0f : Math.abs(x - y); // equal infinities differ by 0, not NaN
            if (Float.isNaN(d)) {
                return Float.NaN;
            }
            m = Math.max(m, d);
        }
        return m;
    }

    /**
     * |this - o| &lt;= atol + rtol * |o| everywhere (NumPy's allclose with o as reference): false if the shapes differ
     * or either side has NaN; infinities are close only to the same infinity.
     */
    public boolean allClose(Tensor o, float atol, float rtol) {
        if (!shape.equals(o.shape)) {
            return false;
        }
        for (int i = 0; i < size(); i++) {
            float x = data[offset + i];
            float y = o.data[o.offset + i];
            if (x == y) {
                continue; // covers equal infinities
            }
            // Unequal infinities are never close (|x - y| <= atol + rtol * inf would say they are); NaN never is.
            if (Float.isInfinite(x) || Float.isInfinite(y) || !(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Tensor").append(shape).append(' ');
        int n = Math.min(size(), 8);
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(data[offset + i]);
        }
        if (size() > n) {
            sb.append(", ...");
        }
        return sb.append(']').toString();
    }
}
