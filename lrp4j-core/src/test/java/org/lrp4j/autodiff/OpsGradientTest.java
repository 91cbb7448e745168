package org.lrp4j.autodiff;

import static org.lrp4j.autodiff.GradCheck.awayFromZero;
import static org.lrp4j.autodiff.GradCheck.check;
import static org.lrp4j.autodiff.GradCheck.distinct;

import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/** Every differentiable op: analytic gradient equals central finite differences on seeded random shapes. */
class OpsGradientTest {

    private static int dim(SplittableRandom r, int max) {
        return 1 + r.nextInt(max);
    }

    private static Tensor randn(SplittableRandom r, int... dims) {
        return Tensor.randn(r, 1f, dims);
    }

    private static Tensor positiveValues(SplittableRandom r, int... dims) {
        return Tensor.rand(r, 0.5f, 2f, dims);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void broadcastingArithmeticGradientsMatchFiniteDifferences(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int a = dim(r, 4);
        int b = dim(r, 5);
        int c = dim(r, 3);
        Tensor x = randn(r, a, b, c);
        Tensor y = randn(r, b, 1);
        Tensor d = positiveValues(r, 1, c);
        check("add", seed, v -> Ops.add(v[0], v[1]), x, y);
        check("sub", seed, v -> Ops.sub(v[0], v[1]), y, x);
        check("mul", seed, v -> Ops.mul(v[0], v[1]), x, y);
        check("div", seed, v -> Ops.div(v[0], v[1]), x, d);
        check("addScalar/mulScalar/neg", seed, v -> Ops.neg(Ops.mul(Ops.add(v[0], 0.5f), 3f)), x);
        check("pow", seed, v -> Ops.pow(v[0], 3f), x);
        check("maximum", seed, v -> Ops.maximum(v[0], v[1]), distinct(r, 0.1f, a, b, c), distinct(r, 0.1f, b, c).add(0.05f));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void channelAffineAndWherePositiveGradientsMatchFiniteDifferences(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int c = dim(r, 4);
        Tensor x = randn(r, dim(r, 3), c, dim(r, 4), dim(r, 3));
        check("channelAffine", seed, v -> Ops.channelAffine(v[0], v[1], v[2]), x, randn(r, c), randn(r, 1, c, 1, 1));
        check("channelAffine without shift", seed, v -> Ops.channelAffine(v[0], v[1], null), x, randn(r, c));
        Tensor condition = awayFromZero(r, 0.05f, x.shape().toArray());
        check("wherePositive", seed, v -> Ops.wherePositive(v[0], condition), x);
        Tensor row = randn(r, x.dim(3));
        check("wherePositive broadcast", seed, v -> Ops.wherePositive(v[0], condition), row);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void elementwiseFunctionGradientsMatchFiniteDifferences(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] s = {dim(r, 3), dim(r, 4), dim(r, 5)};
        Tensor x = randn(r, s);
        Tensor kinked = awayFromZero(r, 0.05f, s);
        check("exp", seed, v -> Ops.exp(v[0]), x);
        check("log", seed, v -> Ops.log(v[0]), positiveValues(r, s));
        check("sqrt", seed, v -> Ops.sqrt(v[0]), positiveValues(r, s));
        check("square", seed, v -> Ops.square(v[0]), x);
        check("reciprocal", seed, v -> Ops.reciprocal(v[0]), positiveValues(r, s));
        check("abs", seed, v -> Ops.abs(v[0]), kinked);
        check("relu", seed, v -> Ops.relu(v[0]), kinked);
        check("leakyRelu", seed, v -> Ops.leakyRelu(v[0], 0.1f), kinked);
        check("tanh", seed, v -> Ops.tanh(v[0]), x);
        check("sigmoid", seed, v -> Ops.sigmoid(v[0]), x);
        check("clamp", seed, v -> Ops.clamp(v[0], -0.5f, 0.7f), kinked.mul(2f).add(0.02f));
        check("positive", seed, v -> Ops.positive(v[0]), kinked);
        check("negative", seed, v -> Ops.negative(v[0]), kinked);
        check("stabilize", seed, v -> Ops.stabilize(v[0], 0.25f), kinked);
        check("divStabilized", seed, v -> Ops.divStabilized(v[0], v[1], 0.25f), x, kinked);
        Tensor mask = Tensor.rand(r, 0f, 1f, s).gt(0.5f);
        check("where", seed, v -> Ops.where(mask, v[0], v[1]), x, randn(r, s[2]));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void reductionAndShapeGradientsMatchFiniteDifferences(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] s = {dim(r, 3), dim(r, 4), dim(r, 5)};
        Tensor x = randn(r, s);
        int axis = r.nextInt(3);
        check("sum", seed, v -> Ops.sum(v[0]), x);
        check("mean", seed, v -> Ops.mean(v[0]), x);
        check("sumAxes", seed, v -> Ops.sum(v[0], new int[] {axis, (axis + 2) % 3}, false), x);
        check("meanAxes keepDims", seed, v -> Ops.mean(v[0], new int[] {axis}, true), x);
        check("max", seed, v -> Ops.max(v[0], axis, r.nextBoolean()), distinct(r, 0.1f, s));
        check("reshape/flatten", seed, v -> Ops.flatten(Ops.reshape(v[0], s[0], -1)), x);
        check("permute", seed, v -> Ops.permute(v[0], 2, 0, 1), x);
        check("broadcastTo", seed, v -> Ops.broadcastTo(v[0], org.lrp4j.tensor.Shape.of(2, s[0], s[1], s[2])), x);
        check("slice", seed, v -> Ops.slice(v[0], 0, 1), x);
        check("concat", seed, v -> Ops.concat(1, v[0], v[1]), x, randn(r, s[0], 2, s[2]));
        check("stack", seed, v -> Ops.stack(0, v[0], v[1]), x, randn(r, s));
        check("addHalves", seed, v -> Ops.addHalves(v[0], 1), randn(r, s[0], 2 * s[1], s[2]));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void linearAlgebraGradientsMatchFiniteDifferences(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int m = dim(r, 7);
        int k = dim(r, 9);
        int n = dim(r, 6);
        check("matmul", seed, v -> Ops.matmul(v[0], v[1]), randn(r, m, k), randn(r, k, n));
        check("linear", seed, v -> Ops.linear(v[0], v[1], v[2]), randn(r, m, k), randn(r, n, k), randn(r, n));
        check("linear without bias", seed, v -> Ops.linear(v[0], v[1], null), randn(r, m, k), randn(r, n, k));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void probabilityAndLossGradientsMatchFiniteDifferences(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = dim(r, 5);
        int c = 2 + r.nextInt(6);
        Tensor logits = randn(r, n, c).mul(2f);
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            targets[i] = r.nextInt(c);
        }
        check("softmax", seed, v -> Ops.softmax(v[0], 1), logits);
        check("logSoftmax", seed, v -> Ops.logSoftmax(v[0], -1), logits);
        check("crossEntropy", seed, v -> Ops.crossEntropy(v[0], targets), logits);
        check("mse", seed, v -> Ops.mse(v[0], v[1]), logits, randn(r, n, c));
        Tensor target = randn(r, n, c);
        Tensor offset = awayFromZero(r, 0.05f, n, c);
        check("l1", seed, v -> Ops.l1(v[0], Variable.constant(target)), target.add(offset));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void convolutionGradientsMatchFiniteDifferences(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int groups = 1 + r.nextInt(2);
        int cin = groups * dim(r, 3);
        int cout = groups * dim(r, 3);
        int k = 1 + r.nextInt(3);
        Conv2dSpec spec = new Conv2dSpec(1 + r.nextInt(2), 1 + r.nextInt(2), r.nextInt(2), r.nextInt(2),
                r.nextInt(2), r.nextInt(2), 1 + r.nextInt(2), 1, groups);
        Tensor x = randn(r, dim(r, 2), cin, 6 + r.nextInt(4), 6 + r.nextInt(4));
        Tensor w = randn(r, cout, cin / groups, k, k);
        Tensor b = randn(r, cout);
        check("conv2d " + spec, seed, v -> Ops.conv2d(v[0], v[1], v[2], spec), x, w, b);
        Shape outShape = spec.outputShape(x.shape(), w.shape());
        Tensor y = randn(r, outShape.toArray());
        check("convTranspose2d " + spec, seed, v -> Ops.convTranspose2d(v[0], v[1], x.shape(), spec), y, w);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void poolingGradientsMatchFiniteDifferences(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int k = 2 + r.nextInt(2);
        Pool2dSpec spec = Pool2dSpec.of(k, 1 + r.nextInt(2), r.nextInt(k / 2 + 1)).withCeilMode(r.nextBoolean())
                .withCountIncludePad(r.nextBoolean());
        int[] s = {dim(r, 2), dim(r, 3), 5 + r.nextInt(4), 5 + r.nextInt(4)};
        Tensor distinctValues = distinct(r, 0.05f, s);
        check("maxPool2d " + spec, seed, v -> Ops.maxPool2d(v[0], spec), distinctValues);
        check("avgPool2d " + spec, seed, v -> Ops.avgPool2d(v[0], spec), randn(r, s));
        check("globalAvgPool", seed, v -> Ops.globalAvgPool(v[0]), randn(r, s));
        Shape pooled = spec.outputShape(Shape.of(s));
        int[] argmax = Ops.maxPoolArgmax(distinctValues, spec);
        check("maxUnpool2d", seed, v -> Ops.maxUnpool2d(v[0], argmax, Shape.of(s)), randn(r, pooled.toArray()));
        check("avgPoolTranspose2d", seed, v -> Ops.avgPoolTranspose2d(v[0], Shape.of(s), spec),
                randn(r, pooled.toArray()));
        check("globalAvgPoolTranspose", seed, v -> Ops.globalAvgPoolTranspose(v[0], Shape.of(s)),
                randn(r, s[0], s[1], 1, 1));
        int before = r.nextInt(3);
        check("channelWindowSum", seed, v -> Ops.channelWindowSum(v[0], before, 1), randn(r, s));
    }
}
