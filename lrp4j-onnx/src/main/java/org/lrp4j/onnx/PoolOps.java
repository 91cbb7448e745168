package org.lrp4j.onnx;

import static org.lrp4j.onnx.OnnxNode.toInts;
import static org.lrp4j.onnx.Protos.intAttr;
import static org.lrp4j.onnx.Protos.intsAttr;
import static org.lrp4j.onnx.Protos.stringAttr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.lrp4j.layers.AvgPool2d;
import org.lrp4j.layers.GlobalAveragePool;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.Pad;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/**
 * Pooling: ONNX MaxPool, AveragePool and GlobalAveragePool; lrp4j {@link MaxPool2d}, {@link AvgPool2d} and
 * {@link GlobalAveragePool}. ONNX Runtime and PyTorch (lrp4j) divide ceil-mode average windows that run past the
 * padded input differently; both directions make the padding explicit (a Pad node) where it matters.
 */
record PoolOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("AveragePool", "GlobalAveragePool", "MaxPool");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        if (n.opType().equals("GlobalAveragePool")) {
            n.unary(new GlobalAveragePool());
        } else {
            pool(n);
        }
    }

    @Override
    public boolean write(ExportNode e) {
        if (e.layer() instanceof MaxPool2d p) {
            e.emit("MaxPool", e.inputs(), poolAttrs(p.spec(), false));
        } else if (e.layer() instanceof AvgPool2d p) {
            writeAvgPool(e, p.spec());
        } else if (e.layer() instanceof GlobalAveragePool) {
            e.emit("GlobalAveragePool", e.inputs());
        } else {
            return false;
        }
        return true;
    }

    private static void pool(OnnxNode n) throws OnnxFormatException {
        n.onlyFirstOutput();
        boolean max = n.opType().equals("MaxPool");
        long[] ksl = n.attrInts("kernel_shape", null);
        if (ksl == null || ksl.length != 2) {
            throw n.fail("only 2-D pooling is supported (kernel_shape with 2 entries), but kernel_shape is "
                    + (ksl == null ? "missing" : Arrays.toString(ksl)));
        }
        int[] k = toInts(ksl, "kernel size");
        int[] st = toInts(n.attrInts("strides", new long[] {1, 1}), "stride");
        int[] dl = toInts(n.attrInts("dilations", new long[] {1, 1}), "dilation");
        if (st.length != 2) {
            throw n.fail("strides must have 2 entries");
        }
        if (dl.length != 2 || dl[0] != 1 || dl[1] != 1) {
            throw n.fail("dilated pooling (dilations " + Arrays.toString(dl) + ") is not supported");
        }
        Val xv = n.required(0, "X");
        int[] p = ConvOps.spatialPads(n, xv instanceof Comp c ? c.name() : null, k, st, dl);
        boolean ceil = n.attrInt("ceil_mode", 0) != 0;
        boolean countPad = !max && n.attrInt("count_include_pad", 0) != 0;
        Pool2dSpec spec = new Pool2dSpec(k[0], k[1], st[0], st[1], p[0], p[1], p[2], p[3], ceil, countPad);
        if (ceil && countPad && xv instanceof Comp c) {
            // ONNX Runtime divides windows that run past the padded input (ceil mode) by the full kernel size, as if
            // the input were zero padded up to the last window; PyTorch clips them. Follow ONNX Runtime: pad
            // explicitly, then average every window over the whole kernel.
            int[] d = n.probeDims(c.name(), 0);
            org.lrp4j.tensor.Shape os = spec.outputShape(Shape.of(d));
            int extraH = Math.max(0, (os.dim(2) - 1) * st[0] + k[0] - (d[2] + p[0] + p[2]));
            int extraW = Math.max(0, (os.dim(3) - 1) * st[1] + k[1] - (d[3] + p[1] + p[3]));
            if (extraH > 0 || extraW > 0) {
                String padded = n.step("pad", new Pad(new int[] {0, 0, p[0], p[1], 0, 0, p[2] + extraH,
                    p[3] + extraW}), List.of(c.name()));
                n.addNode(new AvgPool2d(new Pool2dSpec(k[0], k[1], st[0], st[1], 0, 0, 0, 0, false, true)),
                        List.of(padded));
                return;
            }
        }
        n.emit(max ? new MaxPool2d(spec) : new AvgPool2d(spec), xv);
    }

    private static AttributeProto[] poolAttrs(Pool2dSpec s, boolean avg) {
        List<AttributeProto> a = new ArrayList<>(List.of(intsAttr("kernel_shape", s.kernelH(), s.kernelW()),
                intsAttr("strides", s.strideH(), s.strideW()),
                intsAttr("pads", s.padTop(), s.padLeft(), s.padBottom(), s.padRight()),
                intAttr("ceil_mode", s.ceilMode() ? 1 : 0)));
        if (avg) {
            a.add(intAttr("count_include_pad", s.countIncludePad() ? 1 : 0));
        }
        return a.toArray(new AttributeProto[0]);
    }

    /**
     * lrp4j (like PyTorch) divides a ceil-mode window that runs past the padded input by the part of it inside
     * the padded input; ONNX Runtime divides it by the whole kernel. When that happens, the padding is made
     * explicit (a Pad node) and the pooling counts only the cells of the padded tensor, which is the same sum.
     */
    private static void writeAvgPool(ExportNode e, Pool2dSpec s) {
        if (!(s.ceilMode() && s.countIncludePad())) {
            e.emit("AveragePool", e.inputs(), poolAttrs(s, true));
            return;
        }
        String x = e.inputs().get(0);
        Shape in = e.shape(x);
        if (in == null) {
            throw new IllegalArgumentException("average pooling in ceil mode counting the padding needs the input"
                    + " size, but the model's input shape is not fully known");
        }
        Shape out = s.outputShape(in);
        int ph = in.dim(2) + s.padTop() + s.padBottom();
        int pw = in.dim(3) + s.padLeft() + s.padRight();
        boolean overhang = (long) (out.dim(2) - 1) * s.strideH() + s.kernelH() > ph
                || (long) (out.dim(3) - 1) * s.strideW() + s.kernelW() > pw;
        if (!overhang) {
            e.emit("AveragePool", e.inputs(), poolAttrs(s, true));
            return;
        }
        Shape padded = Shape.of(in.dim(0), in.dim(1), ph, pw);
        Pool2dSpec plain = new Pool2dSpec(s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), 0, 0, 0, 0, false,
                false);
        Pool2dSpec ceil = plain.withCeilMode(true);
        Pool2dSpec chosen = plain.outputShape(padded).equals(out) ? plain
                : ceil.outputShape(padded).equals(out) ? ceil : null;
        if (chosen == null) {
            throw new IllegalArgumentException("its ceil-mode output size " + out + " cannot be expressed in ONNX");
        }
        String padOut = e.step("pad", "Pad", List.of(x, e.longs("pads", new long[] {0, 0, s.padTop(), s.padLeft(), 0, 0,
            s.padBottom(), s.padRight()})), stringAttr("mode", "constant"));
        e.emit("AveragePool", List.of(padOut), poolAttrs(chosen, true));
    }
}
