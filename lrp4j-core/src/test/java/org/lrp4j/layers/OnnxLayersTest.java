package org.lrp4j.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/** The layers the ONNX importer adds: arithmetic with a constant, transpose, clip, pad, (un)squeeze, matmul. */
class OnnxLayersTest {
    private final SplittableRandom rng = new SplittableRandom(3);
    private final ForwardContext ctx = ForwardContext.inference();

    private Tensor run(Layer l, Tensor... in) {
        List<Variable> vs = new java.util.ArrayList<>();
        for (Tensor t : in) {
            vs.add(Variable.constant(t));
        }
        return l.forward(vs, ctx).value();
    }

    @Test
    void binaryWithConstantOnEitherSide() {
        Tensor x = Tensor.randn(rng, 1f, 2, 3, 4, 4);
        Tensor c = Tensor.randn(rng, 1f, 3, 1, 1);
        assertThat(run(Binary.withConstant(Binary.Kind.SUB, c), x).maxAbsDiff(x.sub(c))).isZero();
        assertThat(run(new Binary(Binary.Kind.SUB, c, true), x).maxAbsDiff(c.sub(x))).isZero();
        assertThat(run(new Binary(Binary.Kind.DIV, c, true), x).maxAbsDiff(c.div(x))).isZero();
        assertThat(run(Binary.of(Binary.Kind.MUL), x, x).maxAbsDiff(x.mul(x))).isZero();
        assertThat(Binary.of(Binary.Kind.MUL).arity()).isEqualTo(2);
        assertThat(Binary.withConstant(Binary.Kind.ADD, c).arity()).isEqualTo(1);
        assertThat(Binary.withConstant(Binary.Kind.DIV, c).opType()).isEqualTo("Div");
        assertThat(Binary.withConstant(Binary.Kind.ADD, c).buffers()).containsKey("constant");
    }

    @Test
    void shapeLayers() {
        Tensor x = Tensor.randn(rng, 1f, 2, 3, 1, 5);
        assertThat(run(new Transpose(new int[] {0, 3, 1, 2}), x).shape()).isEqualTo(Shape.of(2, 5, 3, 1));
        assertThat(run(new Squeeze(new int[] {-2}), x).shape()).isEqualTo(Shape.of(2, 3, 5));
        assertThatThrownBy(() -> run(new Squeeze(new int[] {1}), x)).isInstanceOf(IllegalArgumentException.class);
        assertThat(run(new Unsqueeze(new int[] {1, -1}), x).shape()).isEqualTo(Shape.of(2, 1, 3, 1, 5, 1));
        assertThat(run(new Pad(new int[] {0, 0, 1, 2, 0, 0, 3, 4}), x).shape()).isEqualTo(Shape.of(2, 3, 5, 11));
        Tensor c = run(new Clip(0f, 6f), x.mul(10f));
        assertThat(c.max().item()).isLessThanOrEqualTo(6f);
        assertThat(c.min().item()).isGreaterThanOrEqualTo(0f);
        Tensor a = Tensor.randn(rng, 1f, 3, 4);
        Tensor b = Tensor.randn(rng, 1f, 4, 2);
        assertThat(run(new MatMul(), a, b).maxAbsDiff(a.matmul(b))).isZero();
        assertThat(new Transpose(new int[] {1, 0})).isEqualTo(new Transpose(new int[] {1, 0}));
    }
}
