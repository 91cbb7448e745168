package org.lrp4j.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/** Every layer's own transposed Jacobian equals reverse-mode differentiation of its forward pass. */
class TransposedJacobianTest {

    private static final SplittableRandom RNG = new SplittableRandom(17);

    private static Tensor randn(int... dims) {
        return Tensor.randn(RNG, 1f, dims);
    }

    private static BatchNorm batchNorm() {
        return new BatchNorm(Variable.parameter(randn(3)), Variable.parameter(randn(3)), randn(3),
                randn(3).abs().add(0.5f), 1e-5f, 0.1f);
    }

    static Stream<Arguments> layers() {
        int[] img = {2, 3, 6, 6};
        Tensor positive = randn(1, 3, 1, 1).abs().add(0.5f);
        return Stream.of(
                Arguments.of(Linear.of(12, 5, RNG), List.of(new int[] {2, 12})),
                Arguments.of(Conv2d.of(3, 4, 3, 1, 1, RNG), List.of(img)),
                Arguments.of(new ReLU(), List.of(img)),
                Arguments.of(new LeakyReLU(0.1f), List.of(img)),
                Arguments.of(new Tanh(), List.of(img)),
                Arguments.of(new Sigmoid(), List.of(img)),
                Arguments.of(new Softmax(1), List.of(img)),
                Arguments.of(new Clip(-0.5f, 0.7f), List.of(img)),
                Arguments.of(MaxPool2d.of(2, 2), List.of(img)),
                Arguments.of(AvgPool2d.of(2, 2), List.of(img)),
                Arguments.of(new GlobalAveragePool(), List.of(img)),
                Arguments.of(new Flatten(), List.of(img)),
                Arguments.of(new Reshape(new int[] {2, -1}), List.of(img)),
                Arguments.of(new Identity(), List.of(img)),
                Arguments.of(new Dropout(0.5f), List.of(img)),
                Arguments.of(new Transpose(new int[] {0, 2, 3, 1}), List.of(img)),
                Arguments.of(new Squeeze(new int[] {1}), List.of(new int[] {2, 1, 5})),
                Arguments.of(new Unsqueeze(new int[] {1}), List.of(new int[] {2, 5})),
                Arguments.of(new Pad(new int[] {0, 0, 1, 2, 0, 0, 2, 1}), List.of(img)),
                Arguments.of(new Add(), List.of(img, img)),
                Arguments.of(new Concat(1), List.of(img, new int[] {2, 2, 6, 6})),
                Arguments.of(batchNorm(), List.of(img)),
                Arguments.of(new LocalResponseNorm(4, 2f, 0.75f, 1f), List.of(img)),
                Arguments.of(new Binary(Binary.Kind.SUB, positive, true), List.of(img)),
                Arguments.of(new Binary(Binary.Kind.MUL, positive, false), List.of(img)),
                Arguments.of(new Binary(Binary.Kind.DIV, positive, false), List.of(img)),
                Arguments.of(new Binary(Binary.Kind.DIV, null, false), List.of(img, new int[] {1, 3, 1, 1})),
                Arguments.of(new Binary(Binary.Kind.MUL, null, false), List.of(img, img)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("layers")
    void theLayersTransposedJacobianEqualsAutodiffOfItsForwardPass(Layer layer, List<int[]> shapes) {
        List<Tensor> xs = new ArrayList<>();
        for (int[] s : shapes) {
            // away from zero, so division and kinks are well conditioned
            Tensor t = randn(s);
            xs.add(layer instanceof Binary b && b.kind() == Binary.Kind.DIV && xs.size() == 1 ? t.abs().add(0.5f) : t);
        }
        List<Variable> leaves = new ArrayList<>();
        for (Tensor t : xs) {
            leaves.add(Variable.parameter(t));
        }
        Variable out;
        try (GradMode.Scope on = GradMode.enabled()) {
            out = layer.forward(leaves, ForwardContext.inference());
        }
        Tensor v = randn(out.shape().toArray());
        out.backward(v);
        List<Variable> constants = xs.stream().map(Variable::constant).toList();
        List<Variable> own;
        try (GradMode.Scope off = GradMode.disabled()) {
            own = layer.transposedJacobian(constants, Variable.constant(out.value()), Variable.constant(v));
        }
        assertThat(own).as("%s gives its transposed Jacobian", layer.opType()).isNotNull().hasSize(xs.size());
        for (int i = 0; i < xs.size(); i++) {
            Tensor want = leaves.get(i).hasGrad() ? leaves.get(i).grad() : Tensor.zeros(xs.get(i).dims());
            assertThat(own.get(i).value().dims()).containsExactly(xs.get(i).dims());
            assertThat(own.get(i).value().maxAbsDiff(want)).as("%s input %d", layer.opType(), i).isLessThan(1e-4f);
        }
    }
}
