package org.lrp4j.onnx;

import static org.lrp4j.onnx.OnnxNode.toInt;

import java.util.Arrays;
import java.util.List;

import org.lrp4j.layers.Identity;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.onnx.Val.Const;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;

/**
 * Constants and shape arithmetic, folded at import (exporters write Shape, Gather, Cast, ... to compute Reshape
 * targets): ONNX Constant, ConstantOfShape, Shape, Size, Gather, Cast, Slice, Range, Equal, Less, Greater, Where and
 * Expand. lrp4j has no layers for them, so nothing is exported; a Cast to FLOAT of a computed tensor is an
 * {@link Identity}.
 */
record ConstantOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("Cast", "Constant", "ConstantOfShape", "Equal", "Expand", "Gather", "Greater", "Less", "Range",
                "Shape", "Size", "Slice", "Where");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        String op = n.opType();
        switch (op) {
            case "Constant" -> constantNode(n);
            case "Shape" -> shape(n);
            case "Size" -> size(n);
            case "Gather" -> gather(n);
            case "Cast" -> cast(n);
            case "Slice" -> slice(n);
            case "ConstantOfShape" -> constantOfShape(n);
            case "Range" -> n.define(n.foldBoth(x -> Fold.range(x[0], x[1], x[2]), 0, 1, 2));
            case "Equal", "Less", "Greater" -> n.define(n.foldBoth(x -> Fold.binary(op, x[0], x[1]), 0, 1));
            case "Where" -> n.define(n.foldBoth(x -> Fold.where(x[0], x[1], x[2]), 0, 1, 2));
            default -> n.define(n.foldBoth(x -> Fold.expand(x[0], x[1].longs()), 0, 1));   // Expand
        }
    }

    @Override
    public boolean write(ExportNode e) {
        return false;
    }

    private static void constantNode(OnnxNode n) throws OnnxFormatException {
        if (n.proto().getAttributeCount() != 1) {
            throw n.fail("must have exactly one attribute but has " + n.proto().getAttributeCount());
        }
        AttributeProto a = n.proto().getAttribute(0);
        Arr v = switch (a.getName()) {
            case "value" -> {
                if (!a.hasT()) {
                    throw n.fail("attribute 'value' holds no tensor");
                }
                yield n.decode(a.getT());
            }
            case "value_float" -> Arr.floats(new float[] {a.getF()});
            case "value_floats" -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield Arr.floats(f, f.length);
            }
            case "value_int" -> Arr.scalarLong(a.getI());
            case "value_ints" -> {
                long[] l = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                yield Arr.longs(l, l.length);
            }
            default -> throw n.fail("attribute '" + a.getName() + "' is not supported (sparse and string constants are"
                    + " not)");
        };
        n.define(Const.of(v));
    }

    private static void shape(OnnxNode n) throws OnnxFormatException {
        Val x = n.required(0, "data");
        int[][] dims = new int[2][];
        if (x instanceof Const c) {
            dims[0] = c.a().dims;
            dims[1] = c.b().dims;
        } else {
            dims[0] = n.probeDims(((Comp) x).name(), 0);
            dims[1] = n.probeDims(((Comp) x).name(), 1);
        }
        Arr[] r = new Arr[2];
        for (int k = 0; k < 2; k++) {
            int rank = dims[k].length;
            int start = toInt(n.attrInt("start", 0), "start");
            int end = n.attr("end") == null ? rank : toInt(n.attrInt("end", rank), "end");
            start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
            end = Math.max(start, Math.min(rank, end < 0 ? end + rank : end));
            long[] v = new long[end - start];
            for (int i = start; i < end; i++) {
                v[i - start] = dims[k][i];
            }
            r[k] = Arr.longs(v, v.length);
        }
        n.define(Const.both(r[0], r[1]));
    }

    private static void size(OnnxNode n) throws OnnxFormatException {
        Val x = n.required(0, "data");
        long[] s = new long[2];
        for (int k = 0; k < 2; k++) {
            int[] d = x instanceof Const c ? (k == 0 ? c.a() : c.b()).dims : n.probeDims(((Comp) x).name(), k);
            s[k] = Arr.size(d);
        }
        Arr a = Arr.scalarLong(s[0]);
        n.define(new Const(a, s[0] == s[1] ? a : Arr.scalarLong(s[1])));
    }

    private static void gather(OnnxNode n) throws OnnxFormatException {
        int axis = toInt(n.attrInt("axis", 0), "axis");
        n.define(n.foldBoth(v -> Fold.gather(v[0], v[1], axis), 0, 1));
    }

    private static void cast(OnnxNode n) throws OnnxFormatException {
        int to = toInt(n.attrInt("to", -1), "to");
        Val x = n.required(0, "input");
        if (x instanceof Comp) {
            if (to != TensorProto.DataType.FLOAT_VALUE) {
                throw n.fail("casting a computed tensor to " + Protos.typeName(to) + " is not supported (only FLOAT)");
            }
            n.emit(new Identity(), x);
            return;
        }
        n.define(n.foldBoth(v -> Fold.cast(v[0], to), 0));
    }

    private static void slice(OnnxNode n) throws OnnxFormatException {
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (n.opset() < 10) {
            starts = n.attrInts("starts", null);
            ends = n.attrInts("ends", null);
            axes = n.attrInts("axes", null);
        } else {
            starts = n.constant(1, "starts").longs();
            ends = n.constant(2, "ends").longs();
            Arr ax = n.optionalConstant(3, "axes");
            Arr sp = n.optionalConstant(4, "steps");
            axes = ax == null ? null : ax.longs();
            steps = sp == null ? null : sp.longs();
        }
        if (starts == null || ends == null) {
            throw n.fail("starts and ends are missing");
        }
        long[] st = starts;
        long[] en = ends;
        long[] ax = axes;
        long[] sp = steps;
        n.define(n.foldBoth(v -> Fold.slice(v[0], st, en, ax, sp), 0));
    }

    private static void constantOfShape(OnnxNode n) throws OnnxFormatException {
        AttributeProto a = n.attr("value");
        Arr value = a == null || !a.hasT() ? Arr.floats(new float[] {0f}, 1) : n.decode(a.getT());
        if (value.size() != 1) {
            throw n.fail("value must hold one element");
        }
        n.define(n.foldBoth(v -> {
            int[] d = Fold.checkedDims(v[0].longs(), "ConstantOfShape");
            int cnt = (int) Arr.size(d);
            if (value.isFloat()) {
                float[] f = new float[cnt];
                Arrays.fill(f, value.f[0]);
                return Arr.floats(f, d);
            }
            long[] l = new long[cnt];
            Arrays.fill(l, value.l[0]);
            return Arr.longs(l, d);
        }, 0));
    }
}
