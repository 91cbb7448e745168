package org.lrp4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.SplittableRandom;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.tensor.Tensor.BinaryOp;
import org.lrp4j.tensor.Tensor.UnaryOp;

class TensorTest {

    // ================================================================== helpers: naive references

    static int prod(int[] dims) {
        int s = 1;
        for (int d : dims) {
            s *= d;
        }
        return s;
    }

    static int[] unravel(int flat, int[] dims) {
        int[] idx = new int[dims.length];
        for (int i = dims.length - 1; i >= 0; i--) {
            idx[i] = flat % dims[i];
            flat /= dims[i];
        }
        return idx;
    }

    static int ravel(int[] idx, int[] dims) {
        int f = 0;
        for (int i = 0; i < dims.length; i++) {
            f = f * dims[i] + idx[i];
        }
        return f;
    }

    /** Value of (values, dims) at the index {@code out} of a broadcast result (right-aligned, size-1 axes repeat). */
    static float bget(float[] values, int[] dims, int[] out) {
        int lead = out.length - dims.length;
        int f = 0;
        for (int i = 0; i < dims.length; i++) {
            f = f * dims[i] + (dims[i] == 1 ? 0 : out[lead + i]);
        }
        return values[f];
    }

    /** NumPy broadcast shape, or null when incompatible. */
    static int[] refBroadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] o = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.length ? 1 : a[i - (r - a.length)];
            int db = i < r - b.length ? 1 : b[i - (r - b.length)];
            if (da != db && da != 1 && db != 1) {
                return null;
            }
            o[i] = da == 1 ? db : da;
        }
        return o;
    }

    static float refBinary(BinaryOp op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case POW -> (float) Math.pow(x, y);
            case GT -> x > y ? 1f : 0f;
            case GE -> x >= y ? 1f : 0f;
            case LT -> x < y ? 1f : 0f;
            case LE -> x <= y ? 1f : 0f;
            case EQ -> x == y ? 1f : 0f;
        };
    }

    static int[] removeAxis(int[] dims, int axis) {
        int[] d = new int[dims.length - 1];
        for (int i = 0, j = 0; i < dims.length; i++) {
            if (i != axis) {
                d[j++] = dims[i];
            }
        }
        return d;
    }

    /** Reduction over one axis with the axis kept as size 1 (same flat order as dropping it). */
    static float[] refReduce(float[] v, int[] dims, int axis, String kind) {
        int[] od = dims.clone();
        od[axis] = 1;
        float[] out = new float[prod(od)];
        for (int f = 0; f < out.length; f++) {
            int[] idx = unravel(f, od);
            double s = 0;
            float m = Float.NaN;
            int best = -1;
            for (int k = 0; k < dims[axis]; k++) {
                idx[axis] = k;
                float x = v[ravel(idx, dims)];
                s += x;
                if (best < 0 || x > m) {
                    best = k;
                    m = x;
                }
            }
            out[f] = switch (kind) {
                case "sum" -> (float) s;
                case "mean" -> (float) (s / dims[axis]);
                case "argmax" -> best;
                case "max", "min" -> Float.NaN; // filled in below
                default -> throw new IllegalArgumentException(kind);
            };
            if (kind.equals("max") || kind.equals("min")) {
                float r = kind.equals("max") ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
                for (int k = 0; k < dims[axis]; k++) {
                    idx[axis] = k;
                    r = kind.equals("max") ? Math.max(r, v[ravel(idx, dims)]) : Math.min(r, v[ravel(idx, dims)]);
                }
                out[f] = r;
            }
        }
        return out;
    }

    static float[] randomValues(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Small integers half the time, so comparisons and max/argmax see ties.
            v[i] = rng.nextBoolean() ? rng.nextInt(-3, 4) : (float) rng.nextDouble(-2, 2);
        }
        return v;
    }

    static int[] randomDims(SplittableRandom rng, int maxRank, boolean allowZero) {
        int r = rng.nextInt(maxRank + 1);
        int[] d = new int[r];
        for (int i = 0; i < r; i++) {
            d[i] = allowZero && rng.nextInt(10) == 0 ? 0 : 1 + rng.nextInt(4);
        }
        return d;
    }

    /**
     * A tensor with these values, either fresh or a view at a non-zero offset into a larger array whose other
     * elements are NaN, so an op that ignores the offset or reads outside its window fails loudly.
     */
    static Tensor embed(SplittableRandom rng, float[] values, int[] dims) {
        if (rng.nextBoolean()) {
            return Tensor.of(values, dims);
        }
        int k = 2 + rng.nextInt(2);
        int j = 1 + rng.nextInt(k - 1);
        int n = values.length;
        float[] big = new float[k * n];
        Arrays.fill(big, Float.NaN);
        System.arraycopy(values, 0, big, j * n, n);
        int[] bd = new int[dims.length + 1];
        bd[0] = k;
        System.arraycopy(dims, 0, bd, 1, dims.length);
        Tensor t = Tensor.wrap(big, bd).select(j);
        assertThat(t.dims()).containsExactly(dims);
        return t;
    }

    /** op(a, b) with NumPy broadcasting, element by element from the index arithmetic. */
    static float[] refBinaryBroadcast(BinaryOp op, float[] av, int[] ad, float[] bv, int[] bd) {
        int[] rd = refBroadcast(ad, bd);
        float[] expected = new float[prod(rd)];
        for (int i = 0; i < expected.length; i++) {
            int[] idx = unravel(i, rd);
            expected[i] = refBinary(op, bget(av, ad, idx), bget(bv, bd, idx));
        }
        return expected;
    }

    /** Dims derived from {@code out} so they broadcast to it: a random suffix, some axes set to 1. */
    static int[] deriveDims(SplittableRandom rng, int[] out) {
        int r = rng.nextInt(3) == 0 ? rng.nextInt(out.length + 1) : out.length;
        int[] d = Arrays.copyOfRange(out, out.length - r, out.length);
        for (int i = 0; i < r; i++) {
            if (rng.nextInt(10) < 3) {
                d[i] = 1;
            }
        }
        return d;
    }

    static void assertValues(float[] actual, float[] expected, float tol, String what, Object... args) {
        String ctx = String.format(what, args);
        assertThat(actual.length).as("%s: length", ctx).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            float a = actual[i];
            float e = expected[i];
            boolean ok = (Float.isNaN(a) && Float.isNaN(e)) || a == e || Math.abs(a - e) <= tol * (1 + Math.abs(e));
            if (!ok) {
                fail("%s: element %d is %s but expected %s%nactual   %s%nexpected %s", ctx, i, a, e,
                        Arrays.toString(actual), Arrays.toString(expected));
            }
        }
    }

    static void assertTensor(Tensor t, int[] dims, float[] expected, float tol, String what, Object... args) {
        assertThat(t.dims()).as(String.format(what, args) + ": shape").containsExactly(dims);
        assertValues(t.toArray(), expected, tol, what, args);
    }

    static void assertTensor(Tensor t, int[] dims, float... expected) {
        assertTensor(t, dims, expected, 0f, "%s", t);
    }

    static void assertShapeError(ThrowingCallable call, String... parts) {
        var a = assertThatThrownBy(call).isInstanceOf(TensorShapeException.class);
        for (String p : parts) {
            a.hasMessageContaining(p);
        }
    }

    static void assertIndexError(ThrowingCallable call, String... parts) {
        var a = assertThatThrownBy(call).isInstanceOf(IndexOutOfBoundsException.class);
        for (String p : parts) {
            a.hasMessageContaining(p);
        }
    }

    static float dot(Tensor a, Tensor b) {
        float[] x = a.toArray();
        float[] y = b.toArray();
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * y[i];
        }
        return (float) s;
    }

    static int[] dims(int... d) {
        return d;
    }

    static float[] f(float... v) {
        return v;
    }

    /** [[0, 1, 2], [3, 4, 5]]. */
    static Tensor m23() {
        return Tensor.of(f(0, 1, 2, 3, 4, 5), 2, 3);
    }

    // ================================================================== creation and access

    @Nested
    class Creation {
        @Test
        void wrapSharesAndOfCopies() {
            float[] d = {1, 2, 3, 4};
            Tensor w = Tensor.wrap(d, 2, 2);
            Tensor o = Tensor.of(d, 2, 2);
            d[0] = 9;
            assertThat(w.get(0, 0)).isEqualTo(9f);
            assertThat(o.get(0, 0)).isEqualTo(1f);
            assertThat(w.data()).isSameAs(d);
            assertThat(w.offset()).isZero();
            assertThat(Tensor.wrap(d, Shape.of(4)).dims()).containsExactly(4);
        }

        @Test
        void wrapLengthMismatch() {
            assertShapeError(() -> Tensor.wrap(new float[5], 2, 3), "wrap", "[2, 3]", "6", "5");
            assertShapeError(() -> Tensor.of(new float[2], 3), "wrap", "[3]", "2");
            assertShapeError(() -> Tensor.zeros(2, -3), "negative", "[2, -3]");
            assertShapeError(() -> Tensor.full(1f, -1), "negative", "[-1]");
            assertShapeError(() -> Tensor.arange(-2), "arange", "-2");
        }

        @Test
        void factories() {
            assertTensor(Tensor.zeros(2, 2), dims(2, 2), 0, 0, 0, 0);
            assertTensor(Tensor.zeros(Shape.of(3)), dims(3), 0, 0, 0);
            assertTensor(Tensor.ones(3), dims(3), 1, 1, 1);
            assertTensor(Tensor.full(7f, 1, 2), dims(1, 2), 7, 7);
            assertTensor(Tensor.full(Shape.of(2), -1f), dims(2), -1, -1);
            assertTensor(Tensor.arange(4), dims(4), 0, 1, 2, 3);
            assertTensor(Tensor.arange(0), dims(0));
            assertTensor(Tensor.onesLike(m23()), dims(2, 3), 1, 1, 1, 1, 1, 1);
            assertTensor(Tensor.zerosLike(m23()), dims(2, 3), 0, 0, 0, 0, 0, 0);
            Tensor s = Tensor.scalar(2.5f);
            assertThat(s.rank()).isZero();
            assertThat(s.size()).isEqualTo(1);
            assertThat(s.item()).isEqualTo(2.5f);
            assertThat(s.get()).isEqualTo(2.5f);
            assertThat(Tensor.zeros(0, 3).size()).isZero();
            assertThat(Tensor.zeros().rank()).isZero();
        }

        @Test
        void randomFactoriesAreSeededAndInRange() {
            Tensor a = Tensor.randn(new Random(3), 2f, 50, 4);
            Tensor b = Tensor.randn(new Random(3), 2f, 50, 4);
            assertThat(a.toArray()).containsExactly(b.toArray());
            double mean = a.sumValue() / a.size();
            assertThat(mean).isBetween(-0.5, 0.5);
            Tensor u = Tensor.rand(new Random(4), -1f, 3f, 1000);
            for (float v : u.toArray()) {
                assertThat(v).isGreaterThanOrEqualTo(-1f).isLessThan(3f);
            }
            assertThat(u.max().item()).isGreaterThan(2.5f);
        }

        @Test
        void accessors() {
            Tensor t = Tensor.arange(24).reshape(2, 3, 4);
            assertThat(t.rank()).isEqualTo(3);
            assertThat(t.dim(1)).isEqualTo(3);
            assertThat(t.dim(-1)).isEqualTo(4);
            assertThat(t.size()).isEqualTo(24);
            assertThat(t.shape()).isEqualTo(Shape.of(2, 3, 4));
            assertThat(t.get(1, 2, 3)).isEqualTo(23f);
            assertThat(t.get(1, 0, 2)).isEqualTo(14f);
            assertThat(t.getFlat(17)).isEqualTo(17f);
            t.set(-1f, 0, 1, 2);
            assertThat(t.getFlat(6)).isEqualTo(-1f);
            t.setFlat(7, -2f);
            assertThat(t.get(0, 1, 3)).isEqualTo(-2f);
            int[] d = t.dims();
            d[0] = 99;
            assertThat(t.dim(0)).isEqualTo(2);
            float[] arr = t.toArray();
            arr[0] = 42;
            assertThat(t.getFlat(0)).isZero();
        }

        @Test
        void badIndices() {
            Tensor t = m23();
            assertIndexError(() -> t.get(2, 0), "get", "[2, 0]", "[2, 3]");
            assertIndexError(() -> t.get(0, -1), "get", "[0, -1]", "[2, 3]");
            assertIndexError(() -> t.set(1f, 0, 3), "set", "[0, 3]", "[2, 3]");
            assertShapeError(() -> t.get(1), "get", "[1]", "[2, 3]");
            assertShapeError(() -> t.set(0f, 1, 1, 1), "set", "[1, 1, 1]", "[2, 3]");
            assertIndexError(() -> t.getFlat(6), "6", "[2, 3]");
            assertIndexError(() -> t.setFlat(-1, 0f), "-1", "[2, 3]");
            assertShapeError(t::item, "item", "[2, 3]");
            assertShapeError(() -> Tensor.zeros(0).item(), "item", "[0]");
            assertShapeError(() -> t.dim(2), "axis 2", "[2, 3]");
            assertThat(Tensor.ones(1, 1).item()).isEqualTo(1f);
        }

        @Test
        void copyIsIndependent() {
            Tensor t = m23();
            Tensor c = t.copy();
            c.setFlat(0, 100);
            assertThat(t.getFlat(0)).isZero();
            assertThat(c.offset()).isZero();
            assertTensor(c, dims(2, 3), 100, 1, 2, 3, 4, 5);
        }

        @Test
        void toStringShowsShapeAndValues() {
            assertThat(Tensor.of(f(1, 2), 2).toString()).contains("[2]").contains("1.0").contains("2.0");
            assertThat(Tensor.arange(20).toString()).contains("...");
        }
    }

    // ================================================================== views

    @Nested
    class Views {
        @Test
        void reshapeSharesDataBothWays() {
            Tensor t = Tensor.arange(6);
            Tensor r = t.reshape(2, 3);
            assertTensor(r, dims(2, 3), 0, 1, 2, 3, 4, 5);
            r.set(10f, 1, 1);
            assertThat(t.getFlat(4)).isEqualTo(10f);
            t.setFlat(0, -5f);
            assertThat(r.get(0, 0)).isEqualTo(-5f);
            assertThat(r.data()).isSameAs(t.data());
            assertThat(t.reshape(Shape.of(3, 2)).get(2, 1)).isEqualTo(5f);
        }

        @Test
        void reshapeInfersMinusOne() {
            Tensor t = Tensor.arange(24);
            assertThat(t.reshape(-1, 4).dims()).containsExactly(6, 4);
            assertThat(t.reshape(2, -1, 3).dims()).containsExactly(2, 4, 3);
            assertThat(t.reshape(-1).dims()).containsExactly(24);
            assertThat(Tensor.scalar(3).reshape(-1).dims()).containsExactly(1);
            assertThat(Tensor.ones(1).reshape().rank()).isZero();
            assertThat(Tensor.zeros(0, 4).reshape(-1, 2).dims()).containsExactly(0, 2);
            assertThat(Tensor.zeros(0, 4).reshape(4, 0, 3).dims()).containsExactly(4, 0, 3);
        }

        @Test
        void badReshape() {
            Tensor t = Tensor.arange(6).reshape(2, 3);
            assertShapeError(() -> t.reshape(4, 2), "reshape", "[2, 3]", "[4, 2]");
            assertShapeError(() -> t.reshape(-1, 4), "reshape", "[2, 3]", "[-1, 4]");
            assertShapeError(() -> t.reshape(-1, -1), "reshape", "[-1, -1]", "[2, 3]");
            assertShapeError(() -> t.reshape(-2, -3), "reshape", "[-2, -3]", "[2, 3]");
            assertShapeError(() -> Tensor.zeros(0, 3).reshape(0, -1), "reshape", "[0, 3]", "[0, -1]");
        }

        @Test
        void sliceSharesDataAndHonoursOffset() {
            Tensor t = Tensor.arange(12).reshape(4, 3);
            Tensor s = t.slice(1, 3);
            assertThat(s.offset()).isEqualTo(3);
            assertTensor(s, dims(2, 3), 3, 4, 5, 6, 7, 8);
            s.set(-1f, 0, 0);
            assertThat(t.get(1, 0)).isEqualTo(-1f);
            t.set(-2f, 2, 2);
            assertThat(s.get(1, 2)).isEqualTo(-2f);
            assertThat(t.slice(4, 4).dims()).containsExactly(0, 3);
            assertThat(t.slice(0, 4).toArray()).containsExactly(t.toArray());
            // A slice of a slice adds the offsets.
            Tensor ss = s.slice(1, 2);
            assertThat(ss.offset()).isEqualTo(6);
            assertTensor(ss, dims(1, 3), 6, 7, -2);
        }

        @Test
        void badSlice() {
            Tensor t = Tensor.arange(12).reshape(4, 3);
            assertIndexError(() -> t.slice(-1, 2), "slice", "[-1, 2)", "[4, 3]");
            assertIndexError(() -> t.slice(2, 5), "slice", "[2, 5)", "[4, 3]");
            assertIndexError(() -> t.slice(3, 2), "slice", "[3, 2)", "[4, 3]");
            assertShapeError(() -> Tensor.scalar(1).slice(0, 1), "slice", "scalar");
        }

        @Test
        void selectIsAViewWithoutAxis0() {
            Tensor t = Tensor.arange(24).reshape(2, 3, 4);
            Tensor s = t.select(1);
            assertThat(s.dims()).containsExactly(3, 4);
            assertThat(s.offset()).isEqualTo(12);
            assertThat(s.get(2, 3)).isEqualTo(23f);
            s.set(-7f, 0, 0);
            assertThat(t.get(1, 0, 0)).isEqualTo(-7f);
            Tensor e = Tensor.arange(3).select(2);
            assertThat(e.rank()).isZero();
            assertThat(e.item()).isEqualTo(2f);
        }

        @Test
        void badSelect() {
            Tensor t = Tensor.arange(6).reshape(3, 2);
            assertIndexError(() -> t.select(3), "select", "3", "[3, 2]");
            assertIndexError(() -> t.select(-1), "select", "-1", "[3, 2]");
            assertShapeError(() -> Tensor.scalar(1).select(0), "select", "[]");
        }

        @Test
        void unsqueezeAndSqueeze() {
            Tensor t = m23();
            assertThat(t.unsqueeze(0).dims()).containsExactly(1, 2, 3);
            assertThat(t.unsqueeze(1).dims()).containsExactly(2, 1, 3);
            assertThat(t.unsqueeze(2).dims()).containsExactly(2, 3, 1);
            assertThat(t.unsqueeze(-1).dims()).containsExactly(2, 3, 1);
            assertThat(t.unsqueeze(-3).dims()).containsExactly(1, 2, 3);
            assertThat(Tensor.scalar(1).unsqueeze(0).dims()).containsExactly(1);
            Tensor u = t.unsqueeze(1);
            u.set(9f, 1, 0, 1);
            assertThat(t.get(1, 1)).isEqualTo(9f);
            Tensor s = u.squeeze(1);
            assertThat(s.dims()).containsExactly(2, 3);
            assertThat(u.squeeze(-2).dims()).containsExactly(2, 3);
            assertThat(Tensor.ones(1).squeeze(0).rank()).isZero();
            assertShapeError(() -> t.unsqueeze(3), "unsqueeze", "axis 3", "[2, 3]");
            assertShapeError(() -> t.unsqueeze(-4), "unsqueeze", "axis -4", "[2, 3]");
            assertShapeError(() -> t.squeeze(0), "squeeze", "axis 0", "[2, 3]", "size 2");
            assertShapeError(() -> t.squeeze(2), "squeeze", "axis 2", "[2, 3]");
        }

        @Test
        void flattenFrom() {
            Tensor t = Tensor.arange(24).reshape(2, 3, 4);
            assertThat(t.flattenFrom(1).dims()).containsExactly(2, 12);
            assertThat(t.flattenFrom(0).dims()).containsExactly(24);
            assertThat(t.flattenFrom(2).dims()).containsExactly(2, 3, 4);
            assertThat(t.flattenFrom(-2).dims()).containsExactly(2, 12);
            t.flattenFrom(1).set(-1f, 1, 11);
            assertThat(t.get(1, 2, 3)).isEqualTo(-1f);
            assertShapeError(() -> t.flattenFrom(4), "flattenFrom", "axis 4", "[2, 3, 4]");
        }
    }

    // ================================================================== ops on views at an offset

    @Nested
    class OpsOnSlices {
        /** Rows 1..2 of a [5, 3] tensor: [[3, 4, 5], [6, 7, 8]] at offset 3, NaN on either side. */
        Tensor slice() {
            float[] d = new float[15];
            Arrays.fill(d, Float.NaN);
            for (int i = 3; i < 9; i++) {
                d[i] = i;
            }
            Tensor s = Tensor.wrap(d, 5, 3).slice(1, 3);
            assertThat(s.offset()).isEqualTo(3);
            return s;
        }

        @Test
        void toArrayAndCopy() {
            assertThat(slice().toArray()).containsExactly(3, 4, 5, 6, 7, 8);
            assertTensor(slice().copy(), dims(2, 3), 3, 4, 5, 6, 7, 8);
            assertThat(slice().getFlat(0)).isEqualTo(3f);
            assertThat(slice().get(1, 1)).isEqualTo(7f);
            assertTensor(slice().select(1), dims(3), 6, 7, 8);
            assertTensor(slice().reshape(3, 2), dims(3, 2), 3, 4, 5, 6, 7, 8);
            assertTensor(slice().unsqueeze(0).squeeze(0), dims(2, 3), 3, 4, 5, 6, 7, 8);
        }

        @Test
        void elementwise() {
            Tensor s = slice();
            assertTensor(s.add(s), dims(2, 3), 6, 8, 10, 12, 14, 16);
            assertTensor(s.add(Tensor.ones(2, 3)), dims(2, 3), 4, 5, 6, 7, 8, 9);
            assertTensor(Tensor.ones(2, 3).add(s), dims(2, 3), 4, 5, 6, 7, 8, 9);
            assertTensor(s.sub(Tensor.of(f(1, 2, 3), 3)), dims(2, 3), 2, 2, 2, 5, 5, 5);
            assertTensor(Tensor.of(f(1, 2, 3), 3).sub(s), dims(2, 3), -2, -2, -2, -5, -5, -5);
            assertTensor(s.mul(Tensor.of(f(1, 10), 2, 1)), dims(2, 3), 3, 4, 5, 60, 70, 80);
            assertTensor(s.select(0).mul(s.select(1)), dims(3), 18, 28, 40);
            assertTensor(s.unsqueeze(1).sub(s.unsqueeze(0)), dims(2, 2, 3), 0, 0, 0, -3, -3, -3, 3, 3, 3, 0, 0, 0);
            assertTensor(s.add(1f), dims(2, 3), 4, 5, 6, 7, 8, 9);
            assertTensor(s.neg(), dims(2, 3), -3, -4, -5, -6, -7, -8);
            assertTensor(s.clamp(4, 7), dims(2, 3), 4, 4, 5, 6, 7, 7);
            assertTensor(s.sub(6f).positive(), dims(2, 3), 0, 0, 0, 0, 1, 2);
            assertTensor(Tensor.where(s.gt(5f), s, s.neg()), dims(2, 3), -3, -4, -5, 6, 7, 8);
            assertTensor(s.select(0).broadcastTo(Shape.of(2, 3)), dims(2, 3), 3, 4, 5, 3, 4, 5);
            assertTensor(s.sumTo(Shape.of(3)), dims(3), 9, 11, 13);
            assertTensor(s.sumTo(Shape.of(2, 1)), dims(2, 1), 12, 21);
        }

        @Test
        void reductions() {
            Tensor s = slice();
            assertThat(s.sumValue()).isEqualTo(33f);
            assertThat(s.sum().item()).isEqualTo(33f);
            assertThat(s.mean().item()).isEqualTo(5.5f);
            assertThat(s.max().item()).isEqualTo(8f);
            assertThat(s.min().item()).isEqualTo(3f);
            assertTensor(s.sum(0, false), dims(3), 9, 11, 13);
            assertTensor(s.sum(1, true), dims(2, 1), 12, 21);
            assertTensor(s.mean(1, false), dims(2), 4, 7);
            assertTensor(s.max(0, false), dims(3), 6, 7, 8);
            assertTensor(s.min(1, false), dims(2), 3, 6);
            assertTensor(s.argmax(1), dims(2), 2, 2);
            assertTensor(s.sum(new int[] {0, 1}, false), dims(), 33);
            assertTensor(s.mean(new int[] {0}, true), dims(1, 3), 4.5f, 5.5f, 6.5f);
        }

        @Test
        void layout() {
            Tensor s = slice();
            assertTensor(s.permute(1, 0), dims(3, 2), 3, 6, 4, 7, 5, 8);
            assertTensor(s.transpose(), dims(3, 2), 3, 6, 4, 7, 5, 8);
            assertTensor(Tensor.concat(0, s, s.slice(0, 1)), dims(3, 3), 3, 4, 5, 6, 7, 8, 3, 4, 5);
            assertTensor(Tensor.concat(1, s.slice(1, 2), s.slice(0, 1)), dims(1, 6), 6, 7, 8, 3, 4, 5);
            assertTensor(Tensor.stack(0, s.select(1), s.select(0)), dims(2, 3), 6, 7, 8, 3, 4, 5);
            Tensor[] parts = s.split(1, 2, 1);
            assertTensor(parts[0], dims(2, 2), 3, 4, 6, 7);
            assertTensor(parts[1], dims(2, 1), 5, 8);
        }

        @Test
        void matmul() {
            Tensor s = slice();
            Tensor b = Tensor.of(f(1, 0, 0, 1, 1, 1), 3, 2);
            assertTensor(s.matmul(b), dims(2, 2), 8, 9, 14, 15);
            // slice as the right operand
            assertTensor(Tensor.of(f(1, 1), 1, 2).matmul(s), dims(1, 3), 9, 11, 13);
            assertTensor(Tensor.matmul(s, true, s, false), dims(3, 3),
                    9 + 36, 12 + 42, 15 + 48, 12 + 42, 16 + 49, 20 + 56, 15 + 48, 20 + 56, 25 + 64);
            assertTensor(Tensor.matmul(s, false, s, true), dims(2, 2), 50, 86, 86, 149);
        }

        @Test
        void inPlaceStaysInsideTheWindow() {
            float[] d = new float[15];
            Tensor big = Tensor.wrap(d, 5, 3);
            Tensor s = big.slice(1, 3);
            s.fillInPlace(1f);
            s.addInPlace(Tensor.of(f(1, 2, 3), 3));
            s.mulInPlace(2f);
            s.addScaledInPlace(0.5f, Tensor.full(2f, 2, 3));
            assertThat(d).containsExactly(0, 0, 0, 5, 7, 9, 5, 7, 9, 0, 0, 0, 0, 0, 0);
            s.copyFromInPlace(Tensor.arange(6).reshape(2, 3));
            assertThat(d).containsExactly(0, 0, 0, 0, 1, 2, 3, 4, 5, 0, 0, 0, 0, 0, 0);
            assertThat(slice().maxAbsDiff(Tensor.arange(6).add(3f).reshape(2, 3))).isZero();
            assertThat(slice().allClose(Tensor.arange(6).add(3f).reshape(2, 3), 0f, 0f)).isTrue();
        }
    }

    // ================================================================== elementwise

    @Nested
    class Elementwise {

        @Test
        void wherePositiveIsTheProductWithTheStepBitForBit() {
            SplittableRandom r = new SplittableRandom(7);
            Tensor g = Tensor.randn(r, 1f, 3, 5, 70_000 / 15 + 1);
            Tensor z = Tensor.randn(r, 1f, g.shape().toArray());
            float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.NaN, Float.POSITIVE_INFINITY};
            for (int i = 0; i < special.length; i++) {
                z.data()[i] = special[i];
            }
            assertThat(g.wherePositive(z).toArray()).containsExactly(g.mul(z.unary(UnaryOp.STEP)).toArray());
            Tensor row = Tensor.randn(r, 1f, g.dim(2));
            assertThat(g.wherePositive(row).toArray()).containsExactly(g.mul(row.unary(UnaryOp.STEP)).toArray());
        }

        @Test
        void channelAffineIsTheBroadcastMultiplyThenAddBitForBit() {
            SplittableRandom r = new SplittableRandom(8);
            Tensor x = Tensor.randn(r, 1f, 3, 4, 90, 100).slice(1, 3);
            Tensor a = Tensor.randn(r, 1f, 4);
            Tensor b = Tensor.randn(r, 1f, 4);
            Tensor a4 = a.reshape(1, 4, 1, 1);
            Tensor b4 = b.reshape(1, 4, 1, 1);
            assertThat(x.channelAffine(a, b).toArray()).containsExactly(x.mul(a4).add(b4).toArray());
            assertThat(x.channelAffine(a4, null).toArray()).containsExactly(x.mul(a4).toArray());
            Tensor flat = Tensor.randn(r, 1f, 6, 4);
            assertThat(flat.channelAffine(a, b).toArray()).containsExactly(flat.mul(a.reshape(1, 4)).add(b.reshape(1, 4))
                    .toArray());
        }

        @Test
        void channelAffineNamesTheChannelCountItNeeds() {
            Tensor x = Tensor.zeros(2, 3, 4);
            assertThatThrownBy(() -> x.channelAffine(Tensor.zeros(4), null)).isInstanceOf(TensorShapeException.class)
                    .hasMessageContaining("must have 3 values");
            assertThatThrownBy(() -> Tensor.zeros(3).channelAffine(Tensor.zeros(3), null))
                    .isInstanceOf(TensorShapeException.class).hasMessageContaining("[N, C, ...]");
        }
        @Test
        void binaryHandValues() {
            Tensor a = Tensor.of(f(1, -2, 3, 4), 4);
            Tensor b = Tensor.of(f(2, 2, -3, 0.5f), 4);
            assertTensor(a.add(b), dims(4), 3, 0, 0, 4.5f);
            assertTensor(a.sub(b), dims(4), -1, -4, 6, 3.5f);
            assertTensor(a.mul(b), dims(4), 2, -4, -9, 2);
            assertTensor(a.div(b), dims(4), 0.5f, -1, -1, 8);
            assertTensor(a.maximum(b), dims(4), 2, 2, 3, 4);
            assertTensor(a.minimum(b), dims(4), 1, -2, -3, 0.5f);
            assertTensor(a.pow(Tensor.of(f(2, 2, 0, 0.5f), 4)), dims(4), 1, 4, 1, 2);
            assertTensor(a.gt(b), dims(4), 0, 0, 1, 1);
            assertTensor(a.ge(Tensor.of(f(1, 2, 3, 5), 4)), dims(4), 1, 0, 1, 0);
            assertTensor(a.lt(b), dims(4), 1, 1, 0, 0);
            assertTensor(a.le(Tensor.of(f(1, -3, 3, 5), 4)), dims(4), 1, 0, 1, 1);
            assertTensor(a.eq(Tensor.of(f(1, 2, 3, 5), 4)), dims(4), 1, 0, 1, 0);
            assertTensor(a.binary(BinaryOp.ADD, b), dims(4), 3, 0, 0, 4.5f);
        }

        @Test
        void scalarOperandHandValues() {
            Tensor a = Tensor.of(f(1, -2, 3, 4), 2, 2);
            assertTensor(a.add(1f), dims(2, 2), 2, -1, 4, 5);
            assertTensor(a.sub(1f), dims(2, 2), 0, -3, 2, 3);
            assertTensor(a.mul(-2f), dims(2, 2), -2, 4, -6, -8);
            assertTensor(a.div(2f), dims(2, 2), 0.5f, -1, 1.5f, 2);
            assertTensor(a.pow(2f), dims(2, 2), 1, 4, 9, 16);
            assertTensor(a.gt(1f), dims(2, 2), 0, 0, 1, 1);
            assertTensor(a.lt(1f), dims(2, 2), 0, 1, 0, 0);
            assertTensor(Tensor.scalar(3).mul(2f), dims(), 6);
            assertTensor(Tensor.zeros(0, 2).add(1f), dims(0, 2));
        }

        @Test
        void broadcastHandValues() {
            Tensor a = m23();
            assertTensor(a.add(Tensor.of(f(10, 20, 30), 3)), dims(2, 3), 10, 21, 32, 13, 24, 35);
            assertTensor(a.add(Tensor.of(f(10, 20), 2, 1)), dims(2, 3), 10, 11, 12, 23, 24, 25);
            assertTensor(Tensor.of(f(10, 20), 2, 1).sub(a), dims(2, 3), 10, 9, 8, 17, 16, 15);
            assertTensor(a.mul(Tensor.scalar(2)), dims(2, 3), 0, 2, 4, 6, 8, 10);
            assertTensor(Tensor.scalar(2).mul(a), dims(2, 3), 0, 2, 4, 6, 8, 10);
            assertTensor(Tensor.scalar(2).add(Tensor.scalar(3)), dims(), 5);
            assertTensor(Tensor.of(f(1, 2), 2, 1).mul(Tensor.of(f(1, 10, 100), 1, 3)), dims(2, 3),
                    1, 10, 100, 2, 20, 200);
            assertTensor(Tensor.of(f(1, 2), 2, 1, 1).add(Tensor.of(f(10, 20, 30), 3)), dims(2, 1, 3),
                    11, 21, 31, 12, 22, 32);
            assertTensor(Tensor.of(f(5), 1).add(Tensor.zeros(0)), dims(0));
            assertTensor(Tensor.zeros(3, 0).add(Tensor.ones(1)), dims(3, 0));
            assertTensor(Tensor.zeros(3, 0).add(Tensor.scalar(1)), dims(3, 0));
            assertTensor(Tensor.zeros(0, 1).add(Tensor.ones(1, 4)), dims(0, 4));
            assertTensor(Tensor.ones(1, 1).add(Tensor.scalar(1)), dims(1, 1), 2);
        }

        @Test
        void broadcastMismatchNamesOpAndShapes() {
            Tensor a = m23();
            assertShapeError(() -> a.add(Tensor.ones(4)), "add", "[2, 3]", "[4]");
            assertShapeError(() -> a.mul(Tensor.ones(3, 1)), "mul", "[2, 3]", "[3, 1]");
            assertShapeError(() -> Tensor.ones(2).sub(Tensor.ones(3)), "sub", "[2]", "[3]");
            assertShapeError(() -> a.div(Tensor.zeros(0)), "div", "[2, 3]", "[0]");
            assertShapeError(() -> a.binary(BinaryOp.EQ, Tensor.ones(2)), "eq", "[2, 3]", "[2]");
            assertShapeError(() -> a.maximum(Tensor.ones(2, 2)), "max", "[2, 3]", "[2, 2]");
        }

        @ParameterizedTest
        @EnumSource(BinaryOp.class)
        void everyBinaryOpBroadcastsLikeTheNaiveReference(BinaryOp op) {
            for (long seed = 0; seed < 60; seed++) {
                SplittableRandom rng = new SplittableRandom(seed * 31 + op.ordinal());
                int[] out = randomDims(rng, 4, true);
                int[] ad = deriveDims(rng, out);
                int[] bd = deriveDims(rng, out);
                float[] av = randomValues(rng, prod(ad));
                float[] bv = randomValues(rng, prod(bd));
                if (op == BinaryOp.POW) {
                    for (int i = 0; i < av.length; i++) {
                        av[i] = Math.abs(av[i]) + 0.5f;
                    }
                }
                Tensor a = embed(rng, av, ad);
                Tensor b = embed(rng, bv, bd);
                int[] rd = refBroadcast(ad, bd);
                float[] expected = refBinaryBroadcast(op, av, ad, bv, bd);
                Tensor r = a.binary(op, b);
                assertTensor(r, rd, expected, 0f, "seed %d %s %s %s", seed, op, Arrays.toString(ad), Arrays.toString(bd));
                // The inputs are untouched.
                assertThat(a.toArray()).as("seed %d", seed).containsExactly(av);
                assertThat(b.toArray()).as("seed %d", seed).containsExactly(bv);
            }
        }

        @Test
        void stabilizerCountsZeroAndMinusZeroAsPositiveAndKeepsTheSignOfSubnormals() {
            float sub = Float.MIN_VALUE;
            float[] d = {2f, -2f, 0f, -0f, sub, -sub, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e30f,
                -1e30f};
            float[] stab = {2.5f, -2.5f, 0.5f, 0.5f, 0.5f, -0.5f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.NaN, 1e30f, -1e30f};
            SplittableRandom rng = new SplittableRandom(3);
            // fresh tensors and views at an offset
            for (int k = 0; k < 2; k++) {
                Tensor t = k == 0 ? Tensor.wrap(d.clone(), d.length) : embed(rng, d, new int[] {d.length});
                Tensor three = k == 0 ? Tensor.full(Shape.of(d.length), 3f)
                        : embed(rng, Tensor.full(Shape.of(d.length), 3f).toArray(), new int[] {d.length});
                assertThat(t.stabilized(0.5f).toArray()).as("view %d", k).containsExactly(stab);
                float[] ratio = three.divStabilized(t, 0.5f).toArray();
                for (int i = 0; i < d.length; i++) {
                    assertThat(Float.valueOf(ratio[i])).as("3 / stab(%s), view %d", d[i], k)
                            .isEqualTo(Float.valueOf(3f / stab[i]));
                }
            }
        }

        /** Shapes large enough to be split over threads, with merged and unmerged axis runs on either side. */
        @ParameterizedTest
        @ValueSource(strings = {"9,32,28,28|1,32,28,28", "9,32,28,28|9,1,28,28", "9,32,28,28|9,32,1,1",
                "1,1,28,1|9,32,28,28", "9,32,28,28|32,1,28", "9,1,28,28|1,32,1,28", "2,3,1,5,7,64|2,1,4,5,1,64"})
        void largeBroadcastsMatchTheNaiveReferenceOnEveryThreadCount(String shapes) {
            String[] parts = shapes.split("\\|");
            int[] ad = Arrays.stream(parts[0].split(",")).mapToInt(Integer::parseInt).toArray();
            int[] bd = Arrays.stream(parts[1].split(",")).mapToInt(Integer::parseInt).toArray();
            SplittableRandom rng = new SplittableRandom(shapes.hashCode());
            float[] av = randomValues(rng, prod(ad));
            float[] bv = randomValues(rng, prod(bd));
            Tensor a = embed(rng, av, ad);
            Tensor b = embed(rng, bv, bd);
            int[] rd = refBroadcast(ad, bd);
            float[] expected = refBinaryBroadcast(BinaryOp.SUB, av, ad, bv, bd);
            for (int threads : new int[] {1, 2, 3}) {
                Tensor r = org.lrp4j.tensor.kernel.Parallel.withThreads(threads, () -> a.sub(b));
                assertTensor(r, rd, expected, 0f, "%s on %d threads", shapes, threads);
            }
        }

        @RepeatedTest(40)
        void mismatchedRandomShapesThrow(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] ad = randomDims(rng, 3, false);
            int[] bd = randomDims(rng, 3, false);
            if (refBroadcast(ad, bd) != null) {
                return;
            }
            Tensor a = Tensor.zeros(ad);
            Tensor b = Tensor.zeros(bd);
            assertThatThrownBy(() -> a.add(b)).as("seed %d", seed).isInstanceOf(TensorShapeException.class)
                    .hasMessageContaining("add").hasMessageContaining(Arrays.toString(ad))
                    .hasMessageContaining(Arrays.toString(bd));
        }

        @Test
        void unaryHandValues() {
            Tensor x = Tensor.of(f(-2, 0, 0.5f, 4), 4);
            assertTensor(x.neg(), dims(4), 2, -0f, -0.5f, -4);
            assertTensor(x.abs(), dims(4), 2, 0, 0.5f, 4);
            assertTensor(x.square(), dims(4), 4, 0, 0.25f, 16);
            assertTensor(x.relu(), dims(4), 0, 0, 0.5f, 4);
            assertTensor(x.sign(), dims(4), -1, 0, 1, 1);
            assertTensor(x.unary(UnaryOp.SIGN_NONNEG), dims(4), -1, 1, 1, 1);
            assertTensor(x.unary(UnaryOp.STEP), dims(4), 0, 0, 1, 1);
            assertTensor(Tensor.of(f(1, 4, 0.25f), 3).sqrt(), dims(3), 1, 2, 0.5f);
            assertTensor(Tensor.of(f(1, 4, 0.25f), 3).reciprocal(), dims(3), 1, 0.25f, 4);
            assertTensor(Tensor.of(f(0, 1), 2).exp(), dims(2), f(1, (float) Math.E), 1e-6f, "exp");
            assertTensor(Tensor.of(f(1, (float) Math.E), 2).log(), dims(2), f(0, 1), 1e-6f, "log");
            assertTensor(Tensor.of(f(0, 1), 2).tanh(), dims(2), f(0, (float) Math.tanh(1)), 1e-6f, "tanh");
            assertTensor(Tensor.of(f(0, 2, -2), 3).sigmoid(), dims(3),
                    f(0.5f, (float) (1 / (1 + Math.exp(-2))), (float) (1 / (1 + Math.exp(2)))), 1e-6f, "sigmoid");
            assertTensor(Tensor.scalar(-3).abs(), dims(), 3);
            assertTensor(Tensor.zeros(2, 0).exp(), dims(2, 0));
        }

        @ParameterizedTest
        @EnumSource(UnaryOp.class)
        void everyUnaryOpMatchesItsMethodAndKeepsShape(UnaryOp op) {
            SplittableRandom rng = new SplittableRandom(op.ordinal());
            float[] v = randomValues(rng, 24);
            Tensor t = embed(rng, v, dims(2, 3, 4));
            Tensor r = t.unary(op);
            assertThat(r.dims()).containsExactly(2, 3, 4);
            for (int i = 0; i < v.length; i++) {
                double x = v[i];
                double e = switch (op) {
                    case NEG -> -x;
                    case ABS -> Math.abs(x);
                    case EXP -> Math.exp(x);
                    case LOG -> Math.log(x);
                    case SQRT -> Math.sqrt(x);
                    case SQUARE -> x * x;
                    case RECIPROCAL -> 1 / x;
                    case TANH -> Math.tanh(x);
                    case SIGMOID -> 1 / (1 + Math.exp(-x));
                    case RELU -> Math.max(x, 0);
                    case SIGN -> Math.signum(x);
                    case SIGN_NONNEG -> x >= 0 ? 1 : -1;
                    case STEP -> x > 0 ? 1 : 0;
                };
                float got = r.getFlat(i);
                if (Double.isNaN(e)) {
                    assertThat(got).as("%s(%s)", op, x).isNaN();
                } else {
                    assertThat((double) got).as("%s(%s)", op, x).isCloseTo(e, org.assertj.core.data.Offset.offset(1e-6 * (1 + Math.abs(e))));
                }
            }
        }

        @Test
        void signConventionsAtZero() {
            Tensor z = Tensor.of(f(0f, -0f), 2);
            assertThat(z.unary(UnaryOp.SIGN_NONNEG).toArray()).containsExactly(1f, 1f);
            assertThat(z.unary(UnaryOp.STEP).toArray()).containsExactly(0f, 0f);
            assertThat(z.relu().toArray()[0]).isZero();
            assertThat(Math.abs(z.sign().toArray()[0])).isZero();
        }

        @Test
        void sigmoidIsFiniteForLargeInputs() {
            Tensor s = Tensor.of(f(-1000, -100, 100, 1000), 4).sigmoid();
            for (float v : s.toArray()) {
                assertThat(Float.isFinite(v)).as("sigmoid %s", Arrays.toString(s.toArray())).isTrue();
                assertThat(v).isBetween(0f, 1f);
            }
            assertThat(s.getFlat(1)).isLessThan(1e-30f);
            assertThat(s.getFlat(2)).isEqualTo(1f);
            assertThat(s.getFlat(0)).isZero();
            assertThat(s.getFlat(3)).isEqualTo(1f);
        }

        @Test
        void clampPositiveNegative() {
            Tensor x = Tensor.of(f(-3, -0.5f, 0, 0.5f, 3), 5);
            assertTensor(x.clamp(-1, 1), dims(5), -1, -0.5f, 0, 0.5f, 1);
            assertTensor(x.clamp(0.5f, 0.5f), dims(5), 0.5f, 0.5f, 0.5f, 0.5f, 0.5f);
            assertTensor(x.positive(), dims(5), 0, 0, 0, 0.5f, 3);
            assertTensor(x.negative(), dims(5), -3, -0.5f, 0, 0, 0);
            assertThatThrownBy(() -> x.clamp(1, -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("clamp");
        }

        @RepeatedTest(30)
        void positivePlusNegativeIsIdentity(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] d = randomDims(rng, 4, true);
            float[] v = randomValues(rng, prod(d));
            Tensor x = embed(rng, v, d);
            Tensor p = x.positive();
            Tensor n = x.negative();
            assertTensor(p.add(n), d, v, 0f, "seed %d", seed);
            for (int i = 0; i < v.length; i++) {
                assertThat(p.getFlat(i)).as("seed %d", seed).isGreaterThanOrEqualTo(0f);
                assertThat(n.getFlat(i)).as("seed %d", seed).isLessThanOrEqualTo(0f);
                assertThat(p.getFlat(i) * n.getFlat(i)).as("seed %d", seed).isZero();
            }
        }

        @Test
        void whereHandValues() {
            Tensor mask = Tensor.of(f(1, 0, -1, 0.5f), 4);
            Tensor a = Tensor.of(f(1, 2, 3, 4), 4);
            Tensor b = Tensor.of(f(-1, -2, -3, -4), 4);
            assertTensor(Tensor.where(mask, a, b), dims(4), 1, -2, 3, 4);
            assertTensor(Tensor.where(Tensor.of(f(1, 0), 2, 1), m23(), Tensor.scalar(-1)), dims(2, 3),
                    0, 1, 2, -1, -1, -1);
            assertTensor(Tensor.where(Tensor.of(f(0, 1, 0), 3), Tensor.scalar(7), Tensor.of(f(1, 2), 2, 1)),
                    dims(2, 3), 1, 7, 1, 2, 7, 2);
            assertTensor(Tensor.where(Tensor.scalar(1), Tensor.scalar(2), Tensor.scalar(3)), dims(), 2);
            assertTensor(Tensor.where(Tensor.zeros(0), Tensor.scalar(2), Tensor.ones(1)), dims(0));
            assertShapeError(() -> Tensor.where(Tensor.ones(2), Tensor.ones(3), Tensor.ones(1)), "where", "[2]", "[3]");
            assertShapeError(() -> Tensor.where(Tensor.ones(2), Tensor.ones(2), Tensor.ones(4)), "where", "[2]", "[4]");
        }

        @RepeatedTest(40)
        void whereMatchesNaiveReference(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] out = randomDims(rng, 4, true);
            int[] md = deriveDims(rng, out);
            int[] ad = deriveDims(rng, out);
            int[] bd = deriveDims(rng, out);
            float[] mv = new float[prod(md)];
            for (int i = 0; i < mv.length; i++) {
                mv[i] = rng.nextInt(3) - 1;
            }
            float[] av = randomValues(rng, prod(ad));
            float[] bv = randomValues(rng, prod(bd));
            int[] rd = refBroadcast(refBroadcast(md, ad), bd);
            float[] expected = new float[prod(rd)];
            for (int i = 0; i < expected.length; i++) {
                int[] idx = unravel(i, rd);
                expected[i] = bget(mv, md, idx) != 0 ? bget(av, ad, idx) : bget(bv, bd, idx);
            }
            Tensor r = Tensor.where(embed(rng, mv, md), embed(rng, av, ad), embed(rng, bv, bd));
            assertTensor(r, rd, expected, 0f, "seed %d", seed);
        }

        @RepeatedTest(40)
        void broadcastToMatchesNaiveReference(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] out = randomDims(rng, 4, true);
            int[] ad = deriveDims(rng, out);
            float[] av = randomValues(rng, prod(ad));
            float[] expected = new float[prod(out)];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = bget(av, ad, unravel(i, out));
            }
            Tensor a = embed(rng, av, ad);
            Tensor r = a.broadcastTo(Shape.of(out));
            assertTensor(r, out, expected, 0f, "seed %d %s -> %s", seed, Arrays.toString(ad), Arrays.toString(out));
            // The result is a new tensor, never an alias of the input (even when no broadcasting happens).
            if (r.size() > 0) {
                r.fillInPlace(12345f);
                assertThat(a.toArray()).as("seed %d", seed).containsExactly(av);
            }
        }

        @Test
        void broadcastToErrors() {
            assertShapeError(() -> m23().broadcastTo(Shape.of(3)), "broadcastTo", "[2, 3]", "[3]");
            assertShapeError(() -> m23().broadcastTo(Shape.of(4, 3, 2)), "broadcastTo", "[2, 3]", "[4, 3, 2]");
            assertShapeError(() -> Tensor.ones(3, 1).broadcastTo(Shape.of(1, 1)), "broadcastTo", "[3, 1]", "[1, 1]");
            assertShapeError(() -> Tensor.ones(2).broadcastTo(Shape.scalar()), "broadcastTo", "[2]", "[]");
        }

        @RepeatedTest(40)
        void sumToMatchesNaiveReference(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] big = randomDims(rng, 4, true);
            int[] small = deriveDims(rng, big);
            float[] bv = randomValues(rng, prod(big));
            double[] acc = new double[prod(small)];
            for (int i = 0; i < bv.length; i++) {
                int[] idx = unravel(i, big);
                int lead = big.length - small.length;
                int[] si = new int[small.length];
                for (int k = 0; k < small.length; k++) {
                    si[k] = small[k] == 1 ? 0 : idx[lead + k];
                }
                acc[ravel(si, small)] += bv[i];
            }
            float[] expected = new float[acc.length];
            for (int i = 0; i < acc.length; i++) {
                expected[i] = (float) acc[i];
            }
            Tensor b = embed(rng, bv, big);
            Tensor r = b.sumTo(Shape.of(small));
            assertTensor(r, small, expected, 1e-5f, "seed %d %s -> %s", seed, Arrays.toString(big), Arrays.toString(small));
            if (r.size() > 0) {
                r.fillInPlace(12345f);
                assertThat(b.toArray()).as("seed %d", seed).containsExactly(bv);
            }
        }

        /** sumTo is the adjoint of broadcastTo: <broadcastTo(a), b> == <a, sumTo(b)>. */
        @RepeatedTest(50)
        void sumToIsAdjointOfBroadcastTo(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] big = randomDims(rng, 4, true);
            int[] small = deriveDims(rng, big);
            Tensor a = embed(rng, randomValues(rng, prod(small)), small);
            Tensor b = embed(rng, randomValues(rng, prod(big)), big);
            float lhs = dot(a.broadcastTo(Shape.of(big)), b);
            float rhs = dot(a, b.sumTo(Shape.of(small)));
            assertThat(lhs).as("seed %d %s %s", seed, Arrays.toString(small), Arrays.toString(big))
                    .isCloseTo(rhs, org.assertj.core.data.Offset.offset(1e-3f * (1 + Math.abs(lhs))));
        }

        @Test
        void sumToErrors() {
            assertShapeError(() -> Tensor.ones(3).sumTo(Shape.of(2, 3)), "sumTo", "[3]", "[2, 3]");
            assertShapeError(() -> m23().sumTo(Shape.of(2)), "sumTo", "[2, 3]", "[2]");
            assertShapeError(() -> m23().sumTo(Shape.of(4, 1)), "sumTo", "[2, 3]", "[4, 1]");
            assertTensor(m23().sumTo(Shape.scalar()), dims(), 15);
            assertTensor(m23().sumTo(Shape.of(1, 1)), dims(1, 1), 15);
            assertTensor(Tensor.zeros(0, 3).sumTo(Shape.of(1, 3)), dims(1, 3), 0, 0, 0);
        }

        @Test
        void inPlaceOps() {
            Tensor t = m23();
            Tensor view = t.reshape(6);
            assertThat(t.addInPlace(Tensor.of(f(1, 1, 1), 3))).isSameAs(t);
            assertTensor(view, dims(6), 1, 2, 3, 4, 5, 6);
            t.addInPlace(Tensor.of(f(10, 20), 2, 1));
            assertTensor(t, dims(2, 3), 11, 12, 13, 24, 25, 26);
            t.addInPlace(Tensor.scalar(-10));
            assertTensor(t, dims(2, 3), 1, 2, 3, 14, 15, 16);
            assertThat(t.addScaledInPlace(-1f, Tensor.full(1f, 2, 3))).isSameAs(t);
            assertTensor(t, dims(2, 3), 0, 1, 2, 13, 14, 15);
            assertThat(t.mulInPlace(2f)).isSameAs(t);
            assertTensor(t, dims(2, 3), 0, 2, 4, 26, 28, 30);
            assertThat(t.copyFromInPlace(m23())).isSameAs(t);
            assertTensor(view, dims(6), 0, 1, 2, 3, 4, 5);
            assertThat(t.fillInPlace(3f)).isSameAs(t);
            assertTensor(view, dims(6), 3, 3, 3, 3, 3, 3);
            t.addInPlace(t);
            assertTensor(t, dims(2, 3), 6, 6, 6, 6, 6, 6);
        }

        @Test
        void inPlaceErrors() {
            Tensor t = m23();
            assertShapeError(() -> t.addInPlace(Tensor.ones(4)), "addInPlace", "[2, 3]", "[4]");
            // The other operand may broadcast to this one, not the other way round.
            assertShapeError(() -> Tensor.ones(3).addInPlace(m23()), "addInPlace", "[3]", "[2, 3]");
            assertShapeError(() -> t.addScaledInPlace(1f, Tensor.ones(3)), "addScaledInPlace", "[2, 3]", "[3]");
            assertShapeError(() -> t.copyFromInPlace(Tensor.ones(3, 2)), "copyFromInPlace", "[2, 3]", "[3, 2]");
            assertTensor(t, dims(2, 3), 0, 1, 2, 3, 4, 5);
        }
    }

    // ================================================================== reductions

    @Nested
    class Reductions {
        @Test
        void handValues() {
            Tensor t = Tensor.of(f(1, 5, 2, 7, 0, 7), 2, 3);
            assertTensor(t.sum(0, false), dims(3), 8, 5, 9);
            assertTensor(t.sum(0, true), dims(1, 3), 8, 5, 9);
            assertTensor(t.sum(1, false), dims(2), 8, 14);
            assertTensor(t.sum(-1, true), dims(2, 1), 8, 14);
            assertTensor(t.mean(0, false), dims(3), 4, 2.5f, 4.5f);
            assertTensor(t.mean(1, true), dims(2, 1), 8f / 3, 14f / 3);
            assertTensor(t.max(0, false), dims(3), 7, 5, 7);
            assertTensor(t.max(1, false), dims(2), 5, 7);
            assertTensor(t.min(0, true), dims(1, 3), 1, 0, 2);
            assertTensor(t.min(1, false), dims(2), 1, 0);
            assertTensor(t.argmax(1), dims(2), 1, 0);
            assertTensor(t.argmax(0), dims(3), 1, 0, 1);
            assertTensor(t.argmax(-1), dims(2), 1, 0);
            assertThat(t.sumValue()).isEqualTo(22f);
            assertTensor(t.sum(), dims(), 22);
            assertTensor(t.mean(), dims(), 22f / 6);
            assertTensor(t.max(), dims(), 7);
            assertTensor(t.min(), dims(), 0);
            assertTensor(t.sum(new int[] {0, 1}, false), dims(), 22);
            assertTensor(t.sum(new int[] {1, 0}, true), dims(1, 1), 22);
            assertTensor(t.sum(new int[] {-1}, false), dims(2), 8, 14);
            assertTensor(t.mean(new int[] {0, 1}, false), dims(), 22f / 6);
            assertTensor(t.mean(new int[] {0}, true), dims(1, 3), 4, 2.5f, 4.5f);
        }

        @Test
        void argmaxPicksFirstMaximumOnTies() {
            assertTensor(Tensor.of(f(3, 1, 3, 3), 4).argmax(0), dims(), 0);
            assertTensor(Tensor.of(f(1, 3, 2, 3), 4).argmax(0), dims(), 1);
            assertTensor(Tensor.of(f(2, 5, 2, 5, 5, 5), 3, 2).argmax(0), dims(2), 2, 0);
            assertTensor(Tensor.full(-1f, 2, 4).argmax(1), dims(2), 0, 0);
            assertTensor(Tensor.of(f(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY), 2).argmax(0), dims(), 0);
        }

        @Test
        void scalarsAndEmptyTensors() {
            Tensor s = Tensor.scalar(4);
            assertTensor(s.sum(), dims(), 4);
            assertTensor(s.max(), dims(), 4);
            assertTensor(s.min(), dims(), 4);
            assertTensor(s.mean(), dims(), 4);
            assertTensor(s.sum(new int[0], false), dims(), 4);
            Tensor e = Tensor.zeros(2, 0);
            assertTensor(e.sum(), dims(), 0);
            assertThat(e.mean().item()).isNaN();
            assertTensor(e.sum(1, false), dims(2), 0, 0);
            assertTensor(e.sum(0, false), dims(0));
            assertTensor(e.max(0, false), dims(0));
            assertThat(e.mean(1, false).toArray()).containsExactly(Float.NaN, Float.NaN);
            assertThat(e.mean(new int[] {1}, false).toArray()).containsExactly(Float.NaN, Float.NaN);
            assertShapeError(e::max, "max", "[2, 0]");
            assertShapeError(e::min, "min", "[2, 0]");
            assertShapeError(() -> e.max(1, false), "max", "axis 1", "[2, 0]");
            assertShapeError(() -> e.min(1, true), "min", "axis 1", "[2, 0]");
            assertShapeError(() -> e.argmax(1), "argmax", "axis 1", "[2, 0]");
        }

        @Test
        void reductionsReturnNewTensors() {
            Tensor t = m23();
            Tensor r = t.sum(new int[0], true);
            assertTensor(r, dims(2, 3), 0, 1, 2, 3, 4, 5);
            r.fillInPlace(9f);
            assertTensor(t, dims(2, 3), 0, 1, 2, 3, 4, 5);
            Tensor u = Tensor.ones(1, 3);
            u.sum(0, true).fillInPlace(9f);
            assertTensor(u, dims(1, 3), 1, 1, 1);
        }

        @Test
        void badAxes() {
            Tensor t = m23();
            assertShapeError(() -> t.sum(2, false), "sum", "axis 2", "[2, 3]");
            assertShapeError(() -> t.mean(-3, false), "mean", "axis -3", "[2, 3]");
            assertShapeError(() -> t.max(5, true), "max", "axis 5", "[2, 3]");
            assertShapeError(() -> t.min(2, true), "min", "axis 2", "[2, 3]");
            assertShapeError(() -> t.argmax(2), "argmax", "axis 2", "[2, 3]");
            assertShapeError(() -> t.sum(new int[] {0, 2}, false), "sum", "axis 2", "[2, 3]");
            assertShapeError(() -> t.sum(new int[] {0, -2}, false), "sum", "repeated", "[0, -2]");
            assertShapeError(() -> t.mean(new int[] {1, 1}, false), "mean", "repeated");
            assertShapeError(() -> Tensor.scalar(1).sum(0, false), "sum", "axis 0", "[]");
        }

        @RepeatedTest(40)
        void everyAxisMatchesNaiveReference(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] d = randomDims(rng, 4, false);
            if (d.length == 0) {
                d = dims(3);
            }
            float[] v = randomValues(rng, prod(d));
            Tensor t = embed(rng, v, d);
            for (int axis = -d.length; axis < d.length; axis++) {
                int a = axis < 0 ? axis + d.length : axis;
                int[] kept = d.clone();
                kept[a] = 1;
                int[] dropped = removeAxis(d, a);
                for (String kind : new String[] {"sum", "mean", "max", "min"}) {
                    float[] exp = refReduce(v, d, a, kind);
                    for (boolean keep : new boolean[] {true, false}) {
                        Tensor r = switch (kind) {
                            case "sum" -> t.sum(axis, keep);
                            case "mean" -> t.mean(axis, keep);
                            case "max" -> t.max(axis, keep);
                            default -> t.min(axis, keep);
                        };
                        assertTensor(r, keep ? kept : dropped, exp, 1e-5f, "seed %d %s axis %d keep %s of %s",
                                seed, kind, axis, keep, Arrays.toString(d));
                    }
                }
                assertTensor(t.argmax(axis), dropped, refReduce(v, d, a, "argmax"), 0f, "seed %d argmax axis %d of %s",
                        seed, axis, Arrays.toString(d));
            }
        }

        @RepeatedTest(30)
        void sumAndMeanOverAxisSetsMatchNaiveReference(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] d = randomDims(rng, 4, true);
            float[] v = randomValues(rng, prod(d));
            Tensor t = embed(rng, v, d);
            // a random subset of axes in random order, some given as negative
            java.util.List<Integer> axes = new java.util.ArrayList<>();
            for (int i = 0; i < d.length; i++) {
                if (rng.nextBoolean()) {
                    axes.add(rng.nextBoolean() ? i : i - d.length);
                }
            }
            java.util.Collections.shuffle(axes, new Random(seed));
            int[] ax = axes.stream().mapToInt(Integer::intValue).toArray();
            boolean[] reduced = new boolean[d.length];
            int count = 1;
            for (int x : ax) {
                int a = x < 0 ? x + d.length : x;
                reduced[a] = true;
                count *= d[a];
            }
            int[] kept = d.clone();
            int dropRank = 0;
            for (int i = 0; i < d.length; i++) {
                if (reduced[i]) {
                    kept[i] = 1;
                } else {
                    dropRank++;
                }
            }
            int[] dropped = new int[dropRank];
            for (int i = 0, j = 0; i < d.length; i++) {
                if (!reduced[i]) {
                    dropped[j++] = d[i];
                }
            }
            double[] acc = new double[prod(kept)];
            for (int i = 0; i < v.length; i++) {
                int[] idx = unravel(i, d);
                for (int k = 0; k < d.length; k++) {
                    if (reduced[k]) {
                        idx[k] = 0;
                    }
                }
                acc[ravel(idx, kept)] += v[i];
            }
            float[] sum = new float[acc.length];
            float[] mean = new float[acc.length];
            for (int i = 0; i < acc.length; i++) {
                sum[i] = (float) acc[i];
                mean[i] = (float) (acc[i] / count);
            }
            String ctx = "seed %d axes %s of %s";
            assertTensor(t.sum(ax, true), kept, sum, 1e-5f, ctx, seed, Arrays.toString(ax), Arrays.toString(d));
            assertTensor(t.sum(ax, false), dropped, sum, 1e-5f, ctx, seed, Arrays.toString(ax), Arrays.toString(d));
            assertTensor(t.mean(ax, true), kept, mean, 1e-5f, ctx, seed, Arrays.toString(ax), Arrays.toString(d));
            assertTensor(t.mean(ax, false), dropped, mean, 1e-5f, ctx, seed, Arrays.toString(ax), Arrays.toString(d));
            // the whole-tensor reductions
            double total = 0;
            for (float x : v) {
                total += x;
            }
            assertThat(t.sumValue()).as("seed %d", seed).isCloseTo((float) total, org.assertj.core.data.Offset.offset(1e-4f));
            if (v.length > 0) {
                float mx = Float.NEGATIVE_INFINITY;
                float mn = Float.POSITIVE_INFINITY;
                for (float x : v) {
                    mx = Math.max(mx, x);
                    mn = Math.min(mn, x);
                }
                assertThat(t.max().item()).as("seed %d", seed).isEqualTo(mx);
                assertThat(t.min().item()).as("seed %d", seed).isEqualTo(mn);
            }
        }
    }

    // ================================================================== layout

    @Nested
    class Layout {
        @Test
        void permuteHandValues() {
            Tensor t = Tensor.arange(24).reshape(2, 3, 4);
            Tensor p = t.permute(2, 0, 1);
            assertThat(p.dims()).containsExactly(4, 2, 3);
            assertThat(p.get(3, 1, 2)).isEqualTo(t.get(1, 2, 3));
            assertThat(p.get(1, 0, 2)).isEqualTo(t.get(0, 2, 1));
            assertTensor(m23().permute(1, 0), dims(3, 2), 0, 3, 1, 4, 2, 5);
            assertTensor(m23().permute(-1, -2), dims(3, 2), 0, 3, 1, 4, 2, 5);
            assertTensor(m23().permute(0, 1), dims(2, 3), 0, 1, 2, 3, 4, 5);
            assertTensor(m23().transpose(), dims(3, 2), 0, 3, 1, 4, 2, 5);
            assertTensor(Tensor.scalar(5).permute(), dims(), 5);
            assertTensor(Tensor.zeros(2, 0, 3).permute(2, 1, 0), dims(3, 0, 2));
            // a copy, not a view
            Tensor m = m23();
            m.permute(0, 1).fillInPlace(9);
            assertTensor(m, dims(2, 3), 0, 1, 2, 3, 4, 5);
        }

        @Test
        void badPermute() {
            Tensor t = Tensor.zeros(2, 3, 4);
            assertShapeError(() -> t.permute(0, 1), "permute", "[0, 1]", "[2, 3, 4]");
            assertShapeError(() -> t.permute(0, 1, 1), "permute", "[0, 1, 1]", "[2, 3, 4]");
            assertShapeError(() -> t.permute(0, 1, 3), "permute", "axis 3", "[2, 3, 4]");
            assertShapeError(() -> t.permute(0, -3, 1), "permute", "[0, -3, 1]", "[2, 3, 4]");
            assertTensor(Tensor.arange(6).reshape(1, 2, 3).permute(0, 1, -1), dims(1, 2, 3), 0, 1, 2, 3, 4, 5);
            assertShapeError(t::transpose, "transpose", "[2, 3, 4]");
            assertShapeError(() -> Tensor.ones(3).transpose(), "transpose", "[3]");
        }

        @RepeatedTest(50)
        void permuteMatchesNaiveReference(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] d = randomDims(rng, 5, true);
            int r = d.length;
            java.util.List<Integer> perm = new java.util.ArrayList<>();
            for (int i = 0; i < r; i++) {
                perm.add(i);
            }
            java.util.Collections.shuffle(perm, new Random(seed));
            int[] p = perm.stream().mapToInt(Integer::intValue).toArray();
            int[] od = new int[r];
            for (int i = 0; i < r; i++) {
                od[i] = d[p[i]];
            }
            float[] v = randomValues(rng, prod(d));
            float[] expected = new float[v.length];
            for (int i = 0; i < expected.length; i++) {
                int[] oi = unravel(i, od);
                int[] ii = new int[r];
                for (int k = 0; k < r; k++) {
                    ii[p[k]] = oi[k];
                }
                expected[i] = v[ravel(ii, d)];
            }
            Tensor t = embed(rng, v, d);
            Tensor out = t.permute(p);
            String ctx = "seed %d permute %s of %s";
            assertTensor(out, od, expected, 0f, ctx, seed, Arrays.toString(p), Arrays.toString(d));
            // the inverse permutation restores the input
            int[] inv = new int[r];
            for (int i = 0; i < r; i++) {
                inv[p[i]] = i;
            }
            assertTensor(out.permute(inv), d, v, 0f, ctx, seed, Arrays.toString(p), Arrays.toString(d));
        }

        @Test
        void concatHandValues() {
            Tensor a = m23();
            Tensor b = Tensor.of(f(6, 7, 8), 1, 3);
            assertTensor(Tensor.concat(0, a, b), dims(3, 3), 0, 1, 2, 3, 4, 5, 6, 7, 8);
            assertTensor(Tensor.concat(-2, b, a), dims(3, 3), 6, 7, 8, 0, 1, 2, 3, 4, 5);
            Tensor c = Tensor.of(f(10, 20), 2, 1);
            assertTensor(Tensor.concat(1, a, c), dims(2, 4), 0, 1, 2, 10, 3, 4, 5, 20);
            assertTensor(Tensor.concat(-1, c, a, c), dims(2, 5), 10, 0, 1, 2, 10, 20, 3, 4, 5, 20);
            assertTensor(Tensor.concat(1, a, Tensor.zeros(2, 0)), dims(2, 3), 0, 1, 2, 3, 4, 5);
            assertTensor(Tensor.concat(0, a), dims(2, 3), 0, 1, 2, 3, 4, 5);
            assertTensor(Tensor.concat(0, Tensor.zeros(0, 2), Tensor.zeros(0, 2)), dims(0, 2));
            // a new tensor
            Tensor single = Tensor.concat(0, a);
            single.fillInPlace(1);
            assertThat(a.getFlat(0)).isZero();
        }

        @Test
        void badConcat() {
            Tensor a = m23();
            assertShapeError(() -> Tensor.concat(0, a, Tensor.ones(2, 2)), "concat", "[2, 3]", "[2, 2]");
            assertShapeError(() -> Tensor.concat(1, a, Tensor.ones(3, 3)), "concat", "[2, 3]", "[3, 3]");
            assertShapeError(() -> Tensor.concat(0, a, Tensor.ones(3)), "concat", "[2, 3]", "[3]");
            assertShapeError(() -> Tensor.concat(2, a, a), "concat", "axis 2", "[2, 3]");
            assertShapeError(() -> Tensor.concat(0, Tensor.scalar(1), Tensor.scalar(2)), "concat", "[]");
            assertThatThrownBy(() -> Tensor.concat(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("concat");
        }

        @Test
        void stackHandValues() {
            Tensor a = Tensor.of(f(1, 2), 2);
            Tensor b = Tensor.of(f(3, 4), 2);
            assertTensor(Tensor.stack(0, a, b), dims(2, 2), 1, 2, 3, 4);
            assertTensor(Tensor.stack(1, a, b), dims(2, 2), 1, 3, 2, 4);
            assertTensor(Tensor.stack(-1, a, b, a), dims(2, 3), 1, 3, 1, 2, 4, 2);
            assertTensor(Tensor.stack(-2, a, b), dims(2, 2), 1, 2, 3, 4);
            assertTensor(Tensor.stack(0, Tensor.scalar(1), Tensor.scalar(2)), dims(2), 1, 2);
            assertShapeError(() -> Tensor.stack(0, a, Tensor.ones(3)), "stack", "[2]", "[3]");
            assertShapeError(() -> Tensor.stack(2, a, b), "stack", "axis 2", "[2]");
            assertShapeError(() -> Tensor.stack(-3, a, b), "stack", "axis -3", "[2]");
            assertThatThrownBy(() -> Tensor.stack(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stack");
        }

        @Test
        void splitHandValues() {
            Tensor t = Tensor.arange(12).reshape(3, 4);
            Tensor[] rows = t.split(0, 1, 2);
            assertTensor(rows[0], dims(1, 4), 0, 1, 2, 3);
            assertTensor(rows[1], dims(2, 4), 4, 5, 6, 7, 8, 9, 10, 11);
            Tensor[] cols = t.split(-1, 1, 0, 3);
            assertTensor(cols[0], dims(3, 1), 0, 4, 8);
            assertTensor(cols[1], dims(3, 0));
            assertTensor(cols[2], dims(3, 3), 1, 2, 3, 5, 6, 7, 9, 10, 11);
            cols[0].fillInPlace(-1);
            assertThat(t.getFlat(0)).isZero();
        }

        @Test
        void addHalvesAddsTheTwoHalvesOfAnAxis() {
            Tensor t = Tensor.arange(12).reshape(3, 4);
            assertTensor(t.addHalves(1), dims(3, 2), 0 + 2, 1 + 3, 4 + 6, 5 + 7, 8 + 10, 9 + 11);
            assertTensor(Tensor.arange(12).reshape(2, 3, 2).addHalves(0), dims(1, 3, 2), 6, 8, 10, 12, 14, 16);
            // a view at an offset, and large enough to be split over threads
            Tensor big = Tensor.randn(new SplittableRandom(5), 1f, 7, 2 * 96, 50).select(3);
            Tensor[] halves = big.split(0, 96, 96);
            for (int threads : new int[] {1, 2}) {
                Tensor sum = org.lrp4j.tensor.kernel.Parallel.withThreads(threads, () -> big.addHalves(0));
                assertThat(sum.toArray()).containsExactly(halves[0].add(halves[1]).toArray());
            }
            assertShapeError(() -> Tensor.arange(6).reshape(3, 2).addHalves(0), "addHalves", "odd length 3", "[3, 2]");
        }

        @Test
        void badSplit() {
            Tensor t = Tensor.arange(12).reshape(3, 4);
            assertShapeError(() -> t.split(1, 1, 2), "split", "[1, 2]", "3", "[3, 4]");
            assertShapeError(() -> t.split(0, 2, 2), "split", "[2, 2]", "4", "[3, 4]");
            assertShapeError(() -> t.split(0, 4, -1), "split", "[4, -1]");
            assertShapeError(() -> t.split(2, 3), "split", "axis 2", "[3, 4]");
        }

        @RepeatedTest(40)
        void concatSplitStackRoundTrips(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int[] d = randomDims(rng, 4, true);
            if (d.length == 0) {
                d = dims(2);
            }
            int axis = rng.nextInt(d.length);
            int signedAxis = rng.nextBoolean() ? axis : axis - d.length;
            float[] v = randomValues(rng, prod(d));
            Tensor t = embed(rng, v, d);
            // random sizes adding up to d[axis] (zeros allowed)
            int parts = 1 + rng.nextInt(4);
            int[] sizes = new int[parts];
            int left = d[axis];
            for (int i = 0; i < parts - 1; i++) {
                sizes[i] = rng.nextInt(left + 1);
                left -= sizes[i];
            }
            sizes[parts - 1] = left;
            Tensor[] pieces = t.split(signedAxis, sizes);
            String ctx = String.format("seed %d axis %d sizes %s of %s", seed, signedAxis, Arrays.toString(sizes),
                    Arrays.toString(d));
            assertThat(pieces).as(ctx).hasSize(parts);
            int start = 0;
            for (int p = 0; p < parts; p++) {
                int[] pd = d.clone();
                pd[axis] = sizes[p];
                // each piece holds the right block of t
                float[] exp = new float[prod(pd)];
                for (int i = 0; i < exp.length; i++) {
                    int[] idx = unravel(i, pd);
                    idx[axis] += start;
                    exp[i] = v[ravel(idx, d)];
                }
                assertTensor(pieces[p], pd, exp, 0f, "%s piece %d", ctx, p);
                start += sizes[p];
            }
            assertTensor(Tensor.concat(signedAxis, pieces), d, v, 0f, "%s concat", ctx);

            // stack of k copies along a random new axis, then select through a permute
            int k = 1 + rng.nextInt(3);
            int sAxis = rng.nextInt(d.length + 1);
            Tensor[] copies = new Tensor[k];
            for (int i = 0; i < k; i++) {
                copies[i] = t.add((float) i);
            }
            Tensor st = Tensor.stack(rng.nextBoolean() ? sAxis : sAxis - d.length - 1, copies);
            int[] sd = new int[d.length + 1];
            for (int i = 0, j = 0; i <= d.length; i++) {
                sd[i] = i == sAxis ? k : d[j++];
            }
            assertThat(st.dims()).as("%s stack axis %d", ctx, sAxis).containsExactly(sd);
            int[] perm = new int[d.length + 1];
            perm[0] = sAxis;
            for (int i = 0, j = 1; i <= d.length; i++) {
                if (i != sAxis) {
                    perm[j++] = i;
                }
            }
            Tensor front = st.permute(perm);
            for (int i = 0; i < k; i++) {
                assertTensor(front.select(i), d, copies[i].toArray(), 0f, "%s stack axis %d item %d", ctx, sAxis, i);
            }
        }
    }

    // ================================================================== matmul

    @Nested
    class MatMul {
        @Test
        void handValues() {
            Tensor a = m23();
            Tensor b = Tensor.of(f(1, 2, 3, 4, 5, 6), 3, 2);
            assertTensor(a.matmul(b), dims(2, 2), 13, 16, 40, 52);
            assertTensor(Tensor.matmul(a, false, b, false), dims(2, 2), 13, 16, 40, 52);
            assertTensor(Tensor.matmul(b, true, a, true), dims(2, 2), 13, 40, 16, 52);
            assertTensor(Tensor.matmul(a, true, a, false), dims(3, 3), 9, 12, 15, 12, 17, 22, 15, 22, 29);
            assertTensor(Tensor.matmul(a, false, a, true), dims(2, 2), 5, 14, 14, 50);
            assertTensor(Tensor.zeros(2, 0).matmul(Tensor.zeros(0, 3)), dims(2, 3), 0, 0, 0, 0, 0, 0);
            assertTensor(Tensor.zeros(0, 3).matmul(Tensor.zeros(3, 2)), dims(0, 2));
            assertTensor(Tensor.zeros(2, 3).matmul(Tensor.zeros(3, 0)), dims(2, 0));
        }

        @Test
        void errors() {
            Tensor a = m23();
            assertShapeError(() -> a.matmul(a), "matmul", "[2, 3]", "3 vs 2");
            assertShapeError(() -> Tensor.matmul(a, true, a, true), "matmul", "[2, 3]^T", "2 vs 3");
            assertShapeError(() -> a.matmul(Tensor.ones(3)), "matmul", "rank 2", "[2, 3]", "[3]");
            assertShapeError(() -> Tensor.ones(2, 2, 2).matmul(a), "matmul", "[2, 2, 2]", "[2, 3]");
        }

        @RepeatedTest(30)
        void matchesNaiveReference(RepetitionInfo info) {
            long seed = info.getCurrentRepetition();
            SplittableRandom rng = new SplittableRandom(seed);
            int m = rng.nextInt(6);
            int n = rng.nextInt(6);
            int k = rng.nextInt(6);
            boolean ta = rng.nextBoolean();
            boolean tb = rng.nextBoolean();
            float[] av = randomValues(rng, m * k);
            float[] bv = randomValues(rng, k * n);
            float[] exp = new float[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += (double) (ta ? av[p * m + i] : av[i * k + p]) * (tb ? bv[j * k + p] : bv[p * n + j]);
                    }
                    exp[i * n + j] = (float) s;
                }
            }
            Tensor a = embed(rng, av, ta ? dims(k, m) : dims(m, k));
            Tensor b = embed(rng, bv, tb ? dims(n, k) : dims(k, n));
            assertTensor(Tensor.matmul(a, ta, b, tb), dims(m, n), exp, 1e-5f, "seed %d m %d n %d k %d ta %s tb %s",
                    seed, m, n, k, ta, tb);
        }
    }

    // ================================================================== comparison

    @Nested
    class Comparison {
        @Test
        void maxAbsDiffAndAllClose() {
            Tensor a = Tensor.of(f(1, 2, 3), 3);
            Tensor b = Tensor.of(f(1, 2.5f, 2), 3);
            assertThat(a.maxAbsDiff(b)).isEqualTo(1f);
            assertThat(a.maxAbsDiff(a)).isZero();
            assertThat(a.allClose(b, 1f, 0f)).isTrue();
            assertThat(a.allClose(b, 0.9f, 0f)).isFalse();
            assertThat(a.allClose(b, 0f, 0.5f)).isTrue();
            assertThat(a.allClose(b, 0f, 0.4f)).isFalse();
            assertThat(a.allClose(Tensor.of(f(1, 2, 3), 1, 3), 1f, 1f)).isFalse();
            assertThat(Tensor.zeros(0).allClose(Tensor.zeros(0), 0, 0)).isTrue();
            assertThat(Tensor.zeros(0).maxAbsDiff(Tensor.zeros(0))).isZero();
            assertShapeError(() -> a.maxAbsDiff(Tensor.ones(1, 3)), "maxAbsDiff", "[3]", "[1, 3]");
        }

        @Test
        void specialValues() {
            Tensor nan = Tensor.of(f(1, Float.NaN), 2);
            assertThat(nan.maxAbsDiff(Tensor.of(f(1, 2), 2))).isNaN();
            assertThat(nan.allClose(nan, 1, 1)).isFalse();
            Tensor inf = Tensor.of(f(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY), 2);
            assertThat(inf.allClose(inf.copy(), 0, 0)).isTrue();
            assertThat(inf.maxAbsDiff(inf.copy())).isZero();
            assertThat(inf.allClose(Tensor.of(f(Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY), 2), 1, 1)).isFalse();
        }
    }
}
