package org.lrp4j.onnx;

import java.util.Arrays;
import java.util.List;

/** Constant folding of the shape arithmetic exporters write (Gather, Concat, Slice, Cast, arithmetic, ...). */
final class Fold {
    private Fold() {
    }

    /** Generated constants (ConstantOfShape, Expand, Range) larger than this are rejected. */
    static final long MAX_GENERATED = 1L << 26;

    static int normAxis(int axis, int rank, String op) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for rank " + rank);
        }
        return a;
    }

    static int[] strides(int[] dims) {
        int[] s = new int[dims.length];
        int acc = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    private static Arr make(boolean isFloat, int[] dims, int n) {
        return isFloat ? Arr.floats(new float[n], dims) : Arr.longs(new long[n], dims);
    }

    private static void copy(Arr from, int i, Arr to, int j) {
        if (to.f != null) {
            to.f[j] = (float) from.get(i);
        } else {
            to.l[j] = from.getLong(i);
        }
    }

    static Arr gather(Arr data, Arr idx, int axis) {
        if (data.rank() == 0) {
            throw new IllegalArgumentException("Gather: data must have rank >= 1");
        }
        int a = normAxis(axis, data.rank(), "Gather");
        int[] od = new int[data.rank() - 1 + idx.rank()];
        int k = 0;
        for (int i = 0; i < a; i++) {
            od[k++] = data.dims[i];
        }
        for (int d : idx.dims) {
            od[k++] = d;
        }
        for (int i = a + 1; i < data.rank(); i++) {
            od[k++] = data.dims[i];
        }
        int outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= data.dims[i];
        }
        int inner = 1;
        for (int i = a + 1; i < data.rank(); i++) {
            inner *= data.dims[i];
        }
        int len = data.dims[a];
        Arr out = make(data.isFloat(), od, (int) Arr.size(od));
        int n = idx.size();
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < n; j++) {
                long ix = idx.getLong(j);
                if (ix < 0) {
                    ix += len;
                }
                if (ix < 0 || ix >= len) {
                    throw new IllegalArgumentException("Gather: index " + idx.getLong(j) + " is out of range for "
                            + len + " elements");
                }
                for (int i = 0; i < inner; i++) {
                    copy(data, (int) ((o * len + ix) * inner + i), out, (o * n + j) * inner + i);
                }
            }
        }
        return out;
    }

    static Arr concat(List<Arr> parts, int axis) {
        Arr first = parts.get(0);
        if (first.rank() == 0) {
            throw new IllegalArgumentException("Concat: inputs must have rank >= 1");
        }
        int a = normAxis(axis, first.rank(), "Concat");
        boolean isFloat = false;
        long total = 0;
        for (Arr p : parts) {
            if (p.rank() != first.rank()) {
                throw new IllegalArgumentException("Concat: ranks differ");
            }
            for (int i = 0; i < p.rank(); i++) {
                if (i != a && p.dims[i] != first.dims[i]) {
                    throw new IllegalArgumentException("Concat: shapes " + Arrays.toString(first.dims) + " and "
                            + Arrays.toString(p.dims) + " differ outside axis " + a);
                }
            }
            isFloat |= p.isFloat();
            total += p.dims[a];
        }
        int[] od = first.dims.clone();
        od[a] = (int) Math.min(total, Integer.MAX_VALUE);
        Arr out = make(isFloat, od, (int) Arr.size(od));
        int outer = 1;
        for (int i = 0; i < a; i++) {
            outer *= od[i];
        }
        int inner = 1;
        for (int i = a + 1; i < od.length; i++) {
            inner *= od[i];
        }
        int pos = 0;
        for (Arr p : parts) {
            int chunk = p.dims[a] * inner;
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < chunk; i++) {
                    copy(p, o * chunk + i, out, o * od[a] * inner + pos + i);
                }
            }
            pos += chunk;
        }
        return out;
    }

    static int[] unsqueezeDims(int[] dims, long[] axes) {
        int r = dims.length + axes.length;
        boolean[] added = new boolean[r];
        for (long ax : axes) {
            int a = normAxis((int) ax, r, "Unsqueeze");
            if (added[a]) {
                throw new IllegalArgumentException("Unsqueeze: axis " + ax + " repeated");
            }
            added[a] = true;
        }
        int[] d = new int[r];
        for (int i = 0, j = 0; i < r; i++) {
            d[i] = added[i] ? 1 : dims[j++];
        }
        return d;
    }

    static int[] squeezeDims(int[] dims, long[] axes) {
        boolean[] drop = new boolean[dims.length];
        if (axes == null) {
            for (int i = 0; i < dims.length; i++) {
                drop[i] = dims[i] == 1;
            }
        } else {
            for (long ax : axes) {
                int a = normAxis((int) ax, dims.length, "Squeeze");
                if (dims[a] != 1) {
                    throw new IllegalArgumentException("Squeeze: axis " + ax + " has size " + dims[a]);
                }
                drop[a] = true;
            }
        }
        int[] d = new int[dims.length];
        int k = 0;
        for (int i = 0; i < dims.length; i++) {
            if (!drop[i]) {
                d[k++] = dims[i];
            }
        }
        return Arrays.copyOf(d, k);
    }

    /** Reshape target with ONNX rules (0 copies unless allowzero, -1 inferred). */
    static int[] reshapeDims(int[] in, long[] target, boolean allowZero) {
        int[] d = new int[target.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < target.length; i++) {
            long t = target[i];
            if (t == 0 && !allowZero) {
                if (i >= in.length) {
                    throw new IllegalArgumentException("Reshape: 0 at position " + i + " but input rank " + in.length);
                }
                t = in[i];
            }
            if (t == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException("Reshape: more than one -1 in " + Arrays.toString(target));
                }
                infer = i;
                continue;
            }
            if (t < 0 || t > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Reshape: invalid dimension " + t + " in " + Arrays.toString(target));
            }
            d[i] = (int) t;
            known *= t;
            if (known > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Reshape: target " + Arrays.toString(target) + " too large");
            }
        }
        long size = Arr.size(in);
        if (infer >= 0) {
            if (known == 0 || size % known != 0) {
                throw new IllegalArgumentException("Reshape: cannot infer -1 in " + Arrays.toString(target)
                        + " for input " + Arrays.toString(in));
            }
            d[infer] = (int) (size / known);
        } else if (known != size) {
            throw new IllegalArgumentException("Reshape: cannot reshape " + Arrays.toString(in) + " to "
                    + Arrays.toString(target));
        }
        return d;
    }

    static Arr cast(Arr a, int to) {
        switch (to) {
            case 1, 10, 11, 16 -> {
                return Arr.floats(a.floats(), a.dims);
            }
            case 2, 3, 4, 5, 6, 7, 12, 13 -> {
                return Arr.longs(a.longs(), a.dims);
            }
            case 9 -> {
                long[] r = new long[a.size()];
                for (int i = 0; i < r.length; i++) {
                    r[i] = a.get(i) != 0 ? 1 : 0;
                }
                return Arr.longs(r, a.dims);
            }
            default -> throw new IllegalArgumentException("Cast: unsupported target type "
                    + Protos.typeName(to));
        }
    }

    /** ONNX Slice with starts/ends clamped as the spec says. */
    static Arr slice(Arr data, long[] starts, long[] ends, long[] axes, long[] steps) {
        int r = data.rank();
        if (starts.length != ends.length || (axes != null && axes.length != starts.length)
                || (steps != null && steps.length != starts.length)) {
            throw new IllegalArgumentException("Slice: starts, ends, axes and steps must have the same length");
        }
        long[] st = new long[r];
        long[] sp = new long[r];
        int[] od = data.dims.clone();
        for (int i = 0; i < r; i++) {
            sp[i] = 1;
        }
        boolean[] seen = new boolean[r];
        for (int k = 0; k < starts.length; k++) {
            int a = normAxis(axes == null ? k : (int) axes[k], r, "Slice");
            if (seen[a]) {
                throw new IllegalArgumentException("Slice: axis " + a + " repeated");
            }
            seen[a] = true;
            long step = steps == null ? 1 : steps[k];
            if (step == 0) {
                throw new IllegalArgumentException("Slice: step 0");
            }
            long dim = data.dims[a];
            long s = starts[k];
            long e = ends[k];
            s = s < 0 ? s + dim : s;
            e = e < 0 ? e + dim : e;
            long count;
            if (step > 0) {
                s = Math.max(0, Math.min(s, dim));
                e = Math.max(0, Math.min(e, dim));
                count = e > s ? (e - s + step - 1) / step : 0;
            } else {
                s = Math.max(-1, Math.min(s, dim - 1));
                e = Math.max(-1, Math.min(e, dim - 1));
                count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
            }
            st[a] = s;
            sp[a] = step;
            od[a] = (int) count;
        }
        Arr out = make(data.isFloat(), od, (int) Arr.size(od));
        int[] ins = strides(data.dims);
        int[] idx = new int[r];
        for (int j = 0; j < out.size(); j++) {
            int rem = j;
            long src = 0;
            for (int ax = r - 1; ax >= 0; ax--) {
                idx[ax] = rem % od[ax];
                rem /= od[ax];
                src += (st[ax] + idx[ax] * sp[ax]) * ins[ax];
            }
            copy(data, (int) src, out, j);
        }
        return out;
    }

    static int[] broadcastDims(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] d = new int[r];
        for (int i = 0; i < r; i++) {
            int x = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int y = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (x != y && x != 1 && y != 1) {
                throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(a) + " and "
                        + Arrays.toString(b));
            }
            d[i] = x == 1 ? y : x;
        }
        return d;
    }

    /** Flat index into {@code dims} (broadcast against {@code out}) for each output element. */
    static int[] broadcastIndex(int[] dims, int[] out) {
        int n = (int) Arr.size(out);
        int r = out.length;
        int[] st = strides(dims);
        int[] map = new int[n];
        int[] idx = new int[r];
        for (int j = 0; j < n; j++) {
            int rem = j;
            int src = 0;
            for (int ax = r - 1; ax >= 0; ax--) {
                idx[ax] = rem % out[ax];
                rem /= out[ax];
                int ia = ax - (r - dims.length);
                if (ia >= 0 && dims[ia] != 1) {
                    src += idx[ax] * st[ia];
                }
            }
            map[j] = src;
        }
        return map;
    }

    static Arr binary(String op, Arr a, Arr b) {
        int[] od = broadcastDims(a.dims, b.dims);
        int[] ia = broadcastIndex(a.dims, od);
        int[] ib = broadcastIndex(b.dims, od);
        int n = ia.length;
        boolean isFloat = a.isFloat() || b.isFloat();
        boolean cmp = op.equals("Equal") || op.equals("Less") || op.equals("Greater");
        if (isFloat && !cmp) {
            float[] r = new float[n];
            for (int j = 0; j < n; j++) {
                double x = a.get(ia[j]);
                double y = b.get(ib[j]);
                r[j] = (float) switch (op) {
                    case "Add" -> x + y;
                    case "Sub" -> x - y;
                    case "Mul" -> x * y;
                    case "Div" -> x / y;
                    default -> throw new IllegalArgumentException(op + " cannot be folded");
                };
            }
            return Arr.floats(r, od);
        }
        long[] r = new long[n];
        for (int j = 0; j < n; j++) {
            if (cmp) {
                double x = a.get(ia[j]);
                double y = b.get(ib[j]);
                r[j] = switch (op) {
                    case "Equal" -> x == y ? 1 : 0;
                    case "Less" -> x < y ? 1 : 0;
                    default -> x > y ? 1 : 0;
                };
                continue;
            }
            long x = a.getLong(ia[j]);
            long y = b.getLong(ib[j]);
            r[j] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                case "Div" -> {
                    if (y == 0) {
                        throw new IllegalArgumentException("Div: integer division by zero");
                    }
                    yield x / y;
                }
                default -> throw new IllegalArgumentException(op + " cannot be folded");
            };
        }
        return Arr.longs(r, od);
    }

    static Arr where(Arr c, Arr x, Arr y) {
        int[] od = broadcastDims(broadcastDims(c.dims, x.dims), y.dims);
        int[] ic = broadcastIndex(c.dims, od);
        int[] ix = broadcastIndex(x.dims, od);
        int[] iy = broadcastIndex(y.dims, od);
        Arr out = make(x.isFloat() || y.isFloat(), od, ic.length);
        for (int j = 0; j < ic.length; j++) {
            if (c.get(ic[j]) != 0) {
                copy(x, ix[j], out, j);
            } else {
                copy(y, iy[j], out, j);
            }
        }
        return out;
    }

    static int[] checkedDims(long[] shape, String op) {
        int[] d = new int[shape.length];
        long n = 1;
        for (int i = 0; i < d.length; i++) {
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(op + ": invalid shape " + Arrays.toString(shape));
            }
            d[i] = (int) shape[i];
            n *= Math.max(1, d[i]);
            if (n > MAX_GENERATED) {
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " has more than "
                        + MAX_GENERATED + " elements");
            }
        }
        return d;
    }

    static Arr expand(Arr a, long[] shape) {
        int[] od = broadcastDims(a.dims, checkedDims(shape, "Expand"));
        checkedDims(Arrays.stream(od).asLongStream().toArray(), "Expand");
        int[] ia = broadcastIndex(a.dims, od);
        Arr out = make(a.isFloat(), od, ia.length);
        for (int j = 0; j < ia.length; j++) {
            copy(a, ia[j], out, j);
        }
        return out;
    }

    static Arr transpose(Arr a, int[] perm) {
        int r = a.rank();
        if (perm.length != r) {
            throw new IllegalArgumentException("Transpose: perm " + Arrays.toString(perm) + " for rank " + r);
        }
        int[] od = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int p = normAxis(perm[i], r, "Transpose");
            if (seen[p]) {
                throw new IllegalArgumentException("Transpose: perm " + Arrays.toString(perm) + " repeats an axis");
            }
            seen[p] = true;
            od[i] = a.dims[p];
        }
        int[] ins = strides(a.dims);
        Arr out = make(a.isFloat(), od, a.size());
        int[] idx = new int[r];
        for (int j = 0; j < out.size(); j++) {
            int rem = j;
            int src = 0;
            for (int ax = r - 1; ax >= 0; ax--) {
                idx[ax] = rem % od[ax];
                rem /= od[ax];
                src += idx[ax] * ins[normAxis(perm[ax], r, "Transpose")];
            }
            copy(a, src, out, j);
        }
        return out;
    }

    static Arr range(Arr start, Arr limit, Arr delta) {
        boolean isFloat = start.isFloat() || limit.isFloat() || delta.isFloat();
        double s = start.get(0);
        double l = limit.get(0);
        double d = delta.get(0);
        if (d == 0) {
            throw new IllegalArgumentException("Range: delta 0");
        }
        double n = Math.max(0, Math.ceil((l - s) / d));
        if (n > MAX_GENERATED) {
            throw new IllegalArgumentException("Range: " + n + " elements is too many");
        }
        int k = (int) n;
        Arr out = make(isFloat, new int[] {k}, k);
        for (int i = 0; i < k; i++) {
            if (isFloat) {
                out.f[i] = (float) (s + i * d);
            } else {
                out.l[i] = start.getLong(0) + i * delta.getLong(0);
            }
        }
        return out;
    }
}
