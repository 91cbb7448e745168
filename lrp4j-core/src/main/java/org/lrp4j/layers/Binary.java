package org.lrp4j.layers;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/**
 * Elementwise arithmetic with NumPy broadcasting (ONNX Add, Sub, Mul, Div): either of two computed inputs, or of
 * one computed input and a constant operand (e.g. a normalisation {@code (x - mean) / std} or a bias added after a
 * MatMul). The constant is the left operand when {@code constantFirst}. A residual sum of two computed inputs is
 * the {@link Add} layer, which LRP treats specially.
 */
public record Binary(Kind kind, Tensor constant, boolean constantFirst) implements Layer {

    /** The arithmetic operation. */
    public enum Kind {
        ADD, SUB, MUL, DIV;

        /** The ONNX operator name, e.g. "Sub". */
        public String opType() {
            String n = name().toLowerCase(Locale.ROOT);
            return Character.toUpperCase(n.charAt(0)) + n.substring(1);
        }
    }

    public Binary {
        if (kind == null) {
            throw new IllegalArgumentException("Binary: kind must not be null");
        }
        if (constant == null && constantFirst) {
            throw new IllegalArgumentException("Binary: constantFirst needs a constant operand");
        }
    }

    /** The operation of two computed inputs. */
    public static Binary of(Kind kind) {
        return new Binary(kind, null, false);
    }

    /** {@code x op constant}. */
    public static Binary withConstant(Kind kind, Tensor constant) {
        return new Binary(kind, constant, false);
    }

    @Override
    public String opType() {
        return kind.opType();
    }

    @Override
    public Role role() {
        return Role.OTHER;
    }

    @Override
    public int arity() {
        return constant == null ? 2 : 1;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Variable a = inputs.get(0);
        Variable b = constant == null ? inputs.get(1) : Variable.constant(constant);
        if (constantFirst) {
            Variable t = a;
            a = b;
            b = t;
        }
        return switch (kind) {
            case ADD -> Ops.add(a, b);
            case SUB -> Ops.sub(a, b);
            case MUL -> Ops.mul(a, b);
            case DIV -> Ops.div(a, b);
        };
    }

    @Override
    public Map<String, Tensor> buffers() {
        return constant == null ? Map.of() : Map.of("constant", constant);
    }
}
