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
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        Variable y = Variable.constant(output.value());
        if (constant == null) {
            Variable a = inputs.get(0);
            Variable b = inputs.get(1);
            Variable av = Variable.constant(a.value());
            Variable bv = Variable.constant(b.value());
            return switch (kind) {
                case ADD -> List.of(Ops.sumTo(v, a.shape()), Ops.sumTo(v, b.shape()));
                case SUB -> List.of(Ops.sumTo(v, a.shape()), Ops.sumTo(Ops.neg(v), b.shape()));
                case MUL -> List.of(Ops.sumTo(Ops.mul(v, bv), a.shape()), Ops.sumTo(Ops.mul(v, av), b.shape()));
                // y = a / b: dy/da = 1 / b, dy/db = -y / b
                case DIV -> List.of(Ops.sumTo(Ops.div(v, bv), a.shape()),
                        Ops.sumTo(Ops.neg(Ops.div(Ops.mul(v, y), bv)), b.shape()));
            };
        }
        Variable c = Variable.constant(constant);
        Variable x = inputs.get(0);
        Variable g = switch (kind) {
            case ADD -> v;
            case SUB -> constantFirst ? Ops.neg(v) : v;
            case MUL -> Ops.mul(v, c);
            // y = c / x: dy/dx = -c / x^2 = -y / x
            case DIV -> constantFirst ? Ops.neg(Ops.div(Ops.mul(v, y), Variable.constant(x.value())))
                    : Ops.div(v, c);
        };
        return List.of(Ops.sumTo(g, x.shape()));
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
