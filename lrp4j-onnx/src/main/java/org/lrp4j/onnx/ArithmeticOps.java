package org.lrp4j.onnx;

import java.util.List;

import org.lrp4j.layers.Add;
import org.lrp4j.layers.Binary;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.onnx.Val.Const;
import org.lrp4j.tensor.Tensor;

/**
 * Element-wise arithmetic: ONNX Add, Sub, Mul and Div; lrp4j {@link Add} (two computed operands) and {@link Binary}
 * (any of the four, with a constant operand or two computed ones). On constants only, folded.
 */
record ArithmeticOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("Add", "Div", "Mul", "Sub");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        arithmetic(n);
    }

    @Override
    public boolean write(ExportNode e) {
        if (e.layer() instanceof Add) {
            e.emit("Add", e.inputs());
        } else if (e.layer() instanceof Binary b) {
            if (b.constant() == null) {
                e.emit(b.kind().opType(), e.inputs());
            } else {
                String c = e.floats("constant", b.constant());
                String x = e.inputs().get(0);
                e.emit(b.kind().opType(), b.constantFirst() ? List.of(c, x) : List.of(x, c));
            }
        } else {
            return false;
        }
        return true;
    }

    private static void arithmetic(OnnxNode n) throws OnnxFormatException {
        String op = n.opType();
        Binary.Kind kind = Binary.Kind.valueOf(op.toUpperCase(java.util.Locale.ROOT));
        Val a = n.required(0, "A");
        Val b = n.required(1, "B");
        if (a instanceof Const && b instanceof Const) {
            n.define(n.foldBoth(x -> Fold.binary(op, x[0], x[1]), 0, 1));
        } else if (a instanceof Comp ca && b instanceof Comp cb) {
            n.addNode(kind == Binary.Kind.ADD ? new Add() : Binary.of(kind), List.of(ca.name(), cb.name()));
        } else {
            boolean constFirst = a instanceof Const;
            Tensor c = n.floatConstant(constFirst ? 0 : 1, "constant operand", -1).tensor();
            String x = ((Comp) (constFirst ? b : a)).name();
            n.addNode(new Binary(kind, c, constFirst), List.of(x));
        }
    }
}
