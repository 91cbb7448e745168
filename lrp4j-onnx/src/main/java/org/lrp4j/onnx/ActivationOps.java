package org.lrp4j.onnx;

import static org.lrp4j.onnx.OnnxNode.toInt;
import static org.lrp4j.onnx.Protos.floatAttr;
import static org.lrp4j.onnx.Protos.intAttr;

import java.util.List;

import org.lrp4j.layers.Clip;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.LeakyReLU;
import org.lrp4j.layers.ReLU;
import org.lrp4j.layers.Reshape;
import org.lrp4j.layers.Sigmoid;
import org.lrp4j.layers.Softmax;
import org.lrp4j.layers.Tanh;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.onnx.Val.Const;

/**
 * Element-wise activations and Softmax: ONNX Relu, LeakyRelu, Tanh, Sigmoid, Clip and Softmax; the lrp4j layers of
 * the same names.
 */
record ActivationOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("Clip", "LeakyRelu", "Relu", "Sigmoid", "Softmax", "Tanh");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        switch (n.opType()) {
            case "Relu" -> n.unary(new ReLU());
            case "Tanh" -> n.unary(new Tanh());
            case "Sigmoid" -> n.unary(new Sigmoid());
            case "LeakyRelu" -> n.unary(new LeakyReLU(n.attrFloat("alpha", 0.01f)));
            case "Clip" -> clip(n);
            default -> softmax(n);
        }
    }

    @Override
    public boolean write(ExportNode e) {
        List<String> x = e.inputs();
        if (e.layer() instanceof ReLU) {
            e.emit("Relu", x);
        } else if (e.layer() instanceof LeakyReLU r) {
            e.emit("LeakyRelu", x, floatAttr("alpha", r.slope()));
        } else if (e.layer() instanceof Tanh) {
            e.emit("Tanh", x);
        } else if (e.layer() instanceof Sigmoid) {
            e.emit("Sigmoid", x);
        } else if (e.layer() instanceof Softmax s) {
            e.emit("Softmax", x, intAttr("axis", s.axis()));
        } else if (e.layer() instanceof Clip c) {
            String lo = c.min() == Float.NEGATIVE_INFINITY ? "" : e.scalar("min", c.min());
            String hi = c.max() == Float.POSITIVE_INFINITY ? "" : e.scalar("max", c.max());
            List<String> ins = e.withInputs(lo, hi);
            while (ins.size() > 1 && ins.get(ins.size() - 1).isEmpty()) {
                ins.remove(ins.size() - 1);
            }
            e.emit("Clip", ins);
        } else {
            return false;
        }
        return true;
    }

    private static void clip(OnnxNode n) throws OnnxFormatException {
        float min = Float.NEGATIVE_INFINITY;
        float max = Float.POSITIVE_INFINITY;
        if (n.opset() < 11) {
            min = n.attrFloat("min", min);
            max = n.attrFloat("max", max);
        } else {
            Arr lo = n.optionalConstant(1, "min");
            Arr hi = n.optionalConstant(2, "max");
            if ((lo != null && lo.size() != 1) || (hi != null && hi.size() != 1)) {
                throw n.fail("min and max must be scalars");
            }
            if (lo != null) {
                min = (float) lo.get(0);
            }
            if (hi != null) {
                max = (float) hi.get(0);
            }
        }
        n.emit(new Clip(min, max), n.required(0, "input"));
    }

    private static void softmax(OnnxNode n) throws OnnxFormatException {
        int axis = toInt(n.attrInt("axis", n.opset() < 13 ? 1 : -1), "axis");
        Val x = n.required(0, "input");
        if (n.opset() >= 13) {
            n.emit(new Softmax(axis), x);
            return;
        }
        // Before n.opset() 13 Softmax flattens the input to 2-D at `axis` and normalises each row.
        if (x instanceof Const c) {
            int r = c.a().rank();
            int ax = axis < 0 ? axis + r : axis;
            if (ax != r - 1) {
                throw n.fail("opset " + n.opset() + " Softmax of a constant over axes " + ax + ".. is not supported");
            }
            n.emit(new Softmax(ax), x);
            return;
        }
        String xn = ((Comp) x).name();
        int[] d = n.probeDims(xn, 0);
        int r = d.length;
        int ax = axis < 0 ? axis + r : axis;
        if (ax < 0 || ax >= r) {
            throw n.fail("axis " + axis + " is out of range for an input of rank " + r);
        }
        if (ax == r - 1) {
            n.emit(new Softmax(ax), x);
            return;
        }
        if (ax == 0) {
            throw n.fail("opset " + n.opset() + " Softmax with axis 0 normalises across the batch, which lrp4j does"
                    + " not support");
        }
        String flat = n.step("flatten", new Flatten(ax), List.of(xn));
        String sm = n.step("softmax", new Softmax(1), List.of(flat));
        int[] back = d.clone();
        back[0] = 0;
        n.addNode(new Reshape(back), List.of(sm));
    }
}
