package org.lrp4j.onnx;

import static org.lrp4j.onnx.ExportNode.longsOf;
import static org.lrp4j.onnx.OnnxNode.toInt;
import static org.lrp4j.onnx.OnnxNode.toInts;
import static org.lrp4j.onnx.Protos.intAttr;
import static org.lrp4j.onnx.Protos.intsAttr;
import static org.lrp4j.onnx.Protos.stringAttr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.lrp4j.layers.Concat;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Pad;
import org.lrp4j.layers.Reshape;
import org.lrp4j.layers.Squeeze;
import org.lrp4j.layers.Transpose;
import org.lrp4j.layers.Unsqueeze;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.onnx.Val.Const;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;

/**
 * Layout: ONNX Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Concat and Pad; the lrp4j layers of the same names.
 * On constants (shape arithmetic), folded.
 */
record LayoutOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("Concat", "Flatten", "Pad", "Reshape", "Squeeze", "Transpose", "Unsqueeze");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        switch (n.opType()) {
            case "Flatten" -> n.unary(new Flatten(toInt(n.attrInt("axis", 1), "Flatten axis")));
            case "Reshape" -> reshape(n);
            case "Transpose" -> transpose(n);
            case "Squeeze" -> squeeze(n);
            case "Unsqueeze" -> unsqueeze(n);
            case "Concat" -> concat(n);
            default -> pad(n);
        }
    }

    @Override
    public boolean write(ExportNode e) {
        List<String> x = e.inputs();
        if (e.layer() instanceof Flatten fl) {
            e.emit("Flatten", x, intAttr("axis", fl.axis()));
        } else if (e.layer() instanceof Reshape r) {
            e.emit("Reshape", e.withInputs(e.longs("shape", longsOf(r.shape()))));
        } else if (e.layer() instanceof Transpose t) {
            e.emit("Transpose", x, intsAttr("perm", longsOf(t.perm())));
        } else if (e.layer() instanceof Concat c) {
            e.emit("Concat", x, intAttr("axis", c.axis()));
        } else if (e.layer() instanceof Pad p) {
            e.emit("Pad", e.withInputs(e.longs("pads", longsOf(p.pads()))), stringAttr("mode", "constant"));
        } else if (e.layer() instanceof Squeeze s) {
            axes(e, "Squeeze", s.axes());
        } else if (e.layer() instanceof Unsqueeze u) {
            axes(e, "Unsqueeze", u.axes());
        } else {
            return false;
        }
        return true;
    }

    private static void reshape(OnnxNode n) throws OnnxFormatException {
        Val data = n.required(0, "data");
        Val sv = n.required(1, "shape");
        boolean allowZero = n.attrInt("allowzero", 0) != 0;
        if (!(sv instanceof Const s)) {
            throw n.fail("the target shape must be a constant or foldable shape arithmetic, but it is computed"
                    + " from the graph input's values");
        }
        if (data instanceof Const d) {
            Arr ra = d.a().reshape(Fold.reshapeDims(d.a().dims, s.a().longs(), allowZero));
            Arr rb = d.b() == d.a() && s.isStatic() ? ra
                    : d.b().reshape(Fold.reshapeDims(d.b().dims, s.b().longs(), allowZero));
            n.define(Const.both(ra, rb));
            return;
        }
        String x = ((Comp) data).name();
        long[] a = s.a().longs();
        long[] b = s.b().longs();
        if (a.length != b.length) {
            throw n.fail("the target shape's length depends on the batch size");
        }
        int[] target = new int[a.length];
        int dynamic = 0;
        boolean staticInfer = false;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                if (a[i] == 0 && allowZero) {
                    throw n.fail("allowzero with a 0 in the target shape (an empty tensor) is not supported");
                }
                target[i] = toInt(a[i], "target dimension");
                staticInfer |= a[i] == -1;
                if (a[i] < -1) {
                    throw n.fail("invalid target dimension " + a[i]);
                }
            } else if (i == 0 && !allowZero && a[i] == Importer.PROBE_A && b[i] == Importer.PROBE_B
                    && n.probeDims(x, 0).length > 0 && n.probeDims(x, 0)[0] == Importer.PROBE_A
                    && n.probeDims(x, 1)[0] == Importer.PROBE_B) {
                target[i] = 0;   // the batch size: copy the input's dimension 0
            } else {
                target[i] = -1;
                dynamic++;
            }
        }
        if (dynamic > 1 || (dynamic == 1 && staticInfer)) {
            throw n.fail("the target shape depends on the batch size in a way a Reshape cannot express (for batch "
                    + Importer.PROBE_A + " it is " + Arrays.toString(a) + ", for batch " + Importer.PROBE_B + " "
                    + Arrays.toString(b)
                    + ")");
        }
        n.emit(new Reshape(target), data);
    }

    private static void transpose(OnnxNode n) throws OnnxFormatException {
        Val x = n.required(0, "data");
        long[] perm = n.attrInts("perm", null);
        int[] p;
        if (perm == null) {
            int r = x instanceof Const c ? c.a().rank() : n.probeDims(((Comp) x).name(), 0).length;
            p = new int[r];
            for (int i = 0; i < r; i++) {
                p[i] = r - 1 - i;
            }
        } else {
            p = toInts(perm, "perm entry");
        }
        if (x instanceof Const) {
            n.define(n.foldBoth(v -> Fold.transpose(v[0], p), 0));
            return;
        }
        n.emit(new Transpose(p), x);
    }

    private static void squeeze(OnnxNode n) throws OnnxFormatException {
        long[] axes = n.intsAttrOrInput("axes", 1, 13);
        Val x = n.required(0, "data");
        if (x instanceof Const) {
            n.define(n.foldBoth(v -> v[0].reshape(Fold.squeezeDims(v[0].dims, axes)), 0));
            return;
        }
        int[] ax;
        if (axes == null) {
            String xn = ((Comp) x).name();
            int[] da = n.probeDims(xn, 0);
            int[] db = n.probeDims(xn, 1);
            List<Integer> ones = new ArrayList<>();
            for (int i = 0; i < da.length; i++) {
                if (da[i] == 1 && db[i] == 1) {
                    ones.add(i);
                }
            }
            ax = ones.stream().mapToInt(Integer::intValue).toArray();
        } else {
            ax = toInts(axes, "axis");
        }
        n.emit(new Squeeze(ax), x);
    }

    private static void unsqueeze(OnnxNode n) throws OnnxFormatException {
        long[] axes = n.intsAttrOrInput("axes", 1, 13);
        if (axes == null) {
            throw n.fail("axes are missing");
        }
        Val x = n.required(0, "data");
        if (x instanceof Const) {
            n.define(n.foldBoth(v -> v[0].reshape(Fold.unsqueezeDims(v[0].dims, axes)), 0));
            return;
        }
        n.emit(new Unsqueeze(toInts(axes, "axis")), x);
    }

    private static void concat(OnnxNode n) throws OnnxFormatException {
        AttributeProto a = n.attr("axis");
        if (a == null) {
            throw n.fail("attribute 'axis' is missing");
        }
        int axis = toInt(n.attrInt("axis", 0), "axis");
        int count = n.proto().getInputCount();
        if (count == 0) {
            throw n.fail("has no inputs");
        }
        boolean allConst = true;
        boolean anyConst = false;
        for (int i = 0; i < count; i++) {
            Val v = n.required(i, "input");
            allConst &= v instanceof Const;
            anyConst |= v instanceof Const;
        }
        if (allConst) {
            int[] idx = new int[count];
            for (int i = 0; i < count; i++) {
                idx[i] = i;
            }
            n.define(n.foldBoth(v -> Fold.concat(Arrays.asList(v), axis), idx));
            return;
        }
        if (anyConst) {
            throw n.fail("joining constant and computed tensors is not supported");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(((Comp) n.in(i)).name());
        }
        n.addNode(new Concat(axis), names);
    }

    private static void pad(OnnxNode n) throws OnnxFormatException {
        String mode = n.attrString("mode", "constant");
        if (!mode.equals("constant")) {
            throw n.fail("mode '" + mode + "' is not supported (only constant zero padding)");
        }
        long[] pads;
        double value;
        long[] axes = null;
        if (n.opset() < 11) {
            pads = n.attrInts("pads", null);
            value = n.attrFloat("value", 0f);
        } else {
            pads = n.constant(1, "pads").longs();
            Arr cv = n.optionalConstant(2, "constant_value");
            value = cv == null || cv.size() == 0 ? 0 : cv.get(0);
            Arr ax = n.opset() >= 18 ? n.optionalConstant(3, "axes") : null;
            axes = ax == null ? null : ax.longs();
        }
        if (pads == null) {
            throw n.fail("pads are missing");
        }
        if (value != 0) {
            throw n.fail("padding with the value " + value + " is not supported (only zero)");
        }
        for (long p : pads) {
            if (p < 0) {
                throw n.fail("negative pads (cropping) are not supported: " + Arrays.toString(pads));
            }
        }
        Val x = n.required(0, "data");
        if (axes != null) {
            int r = x instanceof Const c ? c.a().rank() : n.probeDims(((Comp) x).name(), 0).length;
            if (pads.length != 2 * axes.length) {
                throw n.fail("pads must have twice as many entries as axes");
            }
            long[] full = new long[2 * r];
            for (int i = 0; i < axes.length; i++) {
                int a = Fold.normAxis(toInt(axes[i], "axis"), r, "Pad");
                full[a] = pads[i];
                full[a + r] = pads[i + axes.length];
            }
            pads = full;
        }
        n.emit(new Pad(toInts(pads, "pad")), x);
    }

    /** ONNX (Un)Squeeze without axes would drop every axis of size 1: no axes are written as Identity. */
    private static void axes(ExportNode e, String op, int[] axes) {
        if (axes.length == 0) {
            e.emit("Identity", e.inputs());
        } else {
            e.emit(op, e.withInputs(e.longs("axes", longsOf(axes))));
        }
    }
}
