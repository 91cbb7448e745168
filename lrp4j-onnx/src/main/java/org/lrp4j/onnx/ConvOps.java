package org.lrp4j.onnx;

import static org.lrp4j.onnx.OnnxNode.toInt;
import static org.lrp4j.onnx.OnnxNode.toInts;
import static org.lrp4j.onnx.Protos.intAttr;
import static org.lrp4j.onnx.Protos.intsAttr;

import java.util.Arrays;
import java.util.List;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/**
 * 2-D convolution: ONNX Conv; lrp4j {@link Conv2d}. Also the padding arithmetic (pads or auto_pad) that pooling
 * shares.
 */
record ConvOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("Conv");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        conv(n);
    }

    @Override
    public boolean write(ExportNode e) {
        if (!(e.layer() instanceof Conv2d c)) {
            return false;
        }
        Conv2dSpec s = c.spec();
        List<String> ins = e.withInputs(e.floats("weight", c.weight().value()));
        if (c.bias() != null) {
            ins.add(e.floats("bias", c.bias().value()));
        }
        int[] w = c.weight().value().dims();
        e.emit("Conv", ins, intsAttr("kernel_shape", w[2], w[3]),
                intsAttr("pads", s.padTop(), s.padLeft(), s.padBottom(), s.padRight()),
                intsAttr("strides", s.strideH(), s.strideW()), intsAttr("dilations", s.dilationH(), s.dilationW()),
                intAttr("group", s.groups()));
        return true;
    }

    private static void conv(OnnxNode n) throws OnnxFormatException {
        String x = null;
        Val xv = n.required(0, "X");
        Arr w = n.floatConstant(1, "weight", -1);
        if (w.rank() != 4) {
            throw n.fail("only 2-D convolutions are supported (weight [Cout, C/groups, kH, kW]), but the weight has"
                    + " shape " + Arrays.toString(w.dims));
        }
        Arr b = n.in(2) == null ? null : n.floatConstant(2, "bias", 1);
        long[] ks = n.attrInts("kernel_shape", null);
        if (ks != null && (ks.length != 2 || ks[0] != w.dims[2] || ks[1] != w.dims[3])) {
            throw n.fail("kernel_shape " + Arrays.toString(ks) + " does not match the weight "
                    + Arrays.toString(w.dims));
        }
        int[] st = toInts(n.attrInts("strides", new long[] {1, 1}), "stride");
        int[] dl = toInts(n.attrInts("dilations", new long[] {1, 1}), "dilation");
        int group = toInt(n.attrInt("group", 1), "group");
        if (st.length != 2 || dl.length != 2) {
            throw n.fail("strides and dilations must have 2 entries");
        }
        if (xv instanceof Comp c) {
            x = c.name();
        }
        int[] pads = spatialPads(n, x, new int[] {w.dims[2], w.dims[3]}, st, dl);
        Conv2dSpec spec = new Conv2dSpec(st[0], st[1], pads[0], pads[1], pads[2], pads[3], dl[0], dl[1], group);
        n.emit(new Conv2d(spec, Variable.parameter(w.tensor()), b == null ? null : Variable.parameter(b.tensor())), xv);
    }

    /** Pads [top, left, bottom, right] from pads or auto_pad (which needs the input's spatial size). */
    static int[] spatialPads(OnnxNode n, String x, int[] k, int[] st, int[] dl) throws OnnxFormatException {
        String autoPad = n.attrString("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET", "" -> {
                int[] p = toInts(n.attrInts("pads", new long[] {0, 0, 0, 0}), "pad");
                if (p.length != 4) {
                    throw n.fail("pads must have 4 entries (2-D), but has " + p.length);
                }
                return p;
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                if (x == null) {
                    throw n.fail("auto_pad " + autoPad + " on a constant input is not supported");
                }
                int[] d = n.probeDims(x, 0);
                if (d.length != 4) {
                    throw n.fail("input must be [N, C, H, W] but has shape " + Arrays.toString(d));
                }
                int[] p = new int[4];
                for (int a = 0; a < 2; a++) {
                    long in = d[2 + a];
                    long outSize = (in + st[a] - 1) / st[a];
                    long total = Math.max(0, (outSize - 1) * st[a] + (long) (k[a] - 1) * dl[a] + 1 - in);
                    long small = total / 2;
                    long big = total - small;
                    boolean upper = autoPad.equals("SAME_UPPER");
                    p[a] = (int) (upper ? small : big);
                    p[a + 2] = (int) (upper ? big : small);
                }
                return p;
            }
            default -> throw n.fail("auto_pad '" + autoPad + "' is not supported");
        }
    }
}
