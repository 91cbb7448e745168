package org.lrp4j.layers;

import static org.lrp4j.autodiff.GradCheck.awayFromZero;
import static org.lrp4j.autodiff.GradCheck.check;
import static org.lrp4j.autodiff.GradCheck.distinct;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/**
 * Every layer's gradient (input and parameters) against central finite differences, on seeded random shapes.
 * Layers are rebuilt inside the lambda from the tensors GradCheck perturbs, so parameters are checked too.
 */
class LayerGradientTest {

    private static final ForwardContext INFERENCE = ForwardContext.inference();

    private static int dim(SplittableRandom r, int max) {
        return 1 + r.nextInt(max);
    }

    private static Tensor randn(SplittableRandom r, int... dims) {
        return Tensor.randn(r, 1f, dims);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void linearGradients(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = dim(r, 4);
        int in = dim(r, 5);
        int out = dim(r, 4);
        Tensor x = randn(r, n, in);
        Tensor w = randn(r, out, in);
        Tensor b = randn(r, out);
        check("Linear", seed, v -> new Linear(v[1], v[2]).forward(List.of(v[0]), INFERENCE), x, w, b);
        check("Linear without bias", seed, v -> new Linear(v[1], null).forward(List.of(v[0]), INFERENCE), x, w);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void conv2dGradients(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = dim(r, 2);
        int cin = dim(r, 3);
        int cout = dim(r, 3);
        int k = 1 + r.nextInt(3);
        int stride = dim(r, 2);
        int pad = r.nextInt(k);
        int h = k + r.nextInt(4);
        int wd = k + r.nextInt(4);
        Conv2dSpec spec = Conv2dSpec.of(stride, pad);
        Tensor x = randn(r, n, cin, h, wd);
        Tensor w = randn(r, cout, cin, k, k);
        Tensor b = randn(r, cout);
        String what = "Conv k" + k + " s" + stride + " p" + pad;
        check(what, seed, v -> new Conv2d(spec, v[1], v[2]).forward(List.of(v[0]), INFERENCE), x, w, b);
        check(what + " without bias", seed, v -> new Conv2d(spec, v[1], null).forward(List.of(v[0]), INFERENCE),
                x, w);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void activationGradients(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] s = {dim(r, 3), dim(r, 4), dim(r, 3)};
        Tensor x = randn(r, s);
        Tensor kinked = awayFromZero(r, 0.05f, s);
        check("Relu", seed, v -> new ReLU().forward(List.of(v[0]), INFERENCE), kinked);
        check("LeakyRelu", seed, v -> new LeakyReLU(0.2f).forward(List.of(v[0]), INFERENCE), kinked);
        check("Tanh", seed, v -> new Tanh().forward(List.of(v[0]), INFERENCE), x);
        check("Sigmoid", seed, v -> new Sigmoid().forward(List.of(v[0]), INFERENCE), x);
        for (int axis : new int[] {0, 1, 2, -1}) {
            check("Softmax axis " + axis, seed, v -> new Softmax(axis).forward(List.of(v[0]), INFERENCE), x);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void poolingGradients(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = dim(r, 2);
        int ch = dim(r, 3);
        int h = 3 + r.nextInt(4);
        int w = 3 + r.nextInt(4);
        Tensor x = randn(r, n, ch, h, w);
        Tensor ties = distinct(r, 0.1f, n, ch, h, w);
        Pool2dSpec plain = Pool2dSpec.of(2, 2, 0);
        Pool2dSpec padded = Pool2dSpec.of(3, 2, 1);
        check("MaxPool", seed, v -> new MaxPool2d(plain).forward(List.of(v[0]), INFERENCE), ties);
        check("MaxPool padded overlapping", seed, v -> new MaxPool2d(padded).forward(List.of(v[0]), INFERENCE), ties);
        check("AveragePool", seed, v -> new AvgPool2d(plain).forward(List.of(v[0]), INFERENCE), x);
        check("AveragePool padded", seed, v -> new AvgPool2d(padded).forward(List.of(v[0]), INFERENCE), x);
        Pool2dSpec include = padded.withCountIncludePad(true);
        check("AveragePool count_include_pad", seed, v -> new AvgPool2d(include).forward(List.of(v[0]), INFERENCE), x);
        check("GlobalAveragePool", seed, v -> new GlobalAveragePool().forward(List.of(v[0]), INFERENCE), x);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void shapeAndMultiInputGradients(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int a = dim(r, 3);
        int b = dim(r, 3);
        int c = dim(r, 4);
        Tensor x = randn(r, a, b, c);
        check("Flatten axis 1", seed, v -> new Flatten(1).forward(List.of(v[0]), INFERENCE), x);
        check("Flatten axis 2", seed, v -> new Flatten(2).forward(List.of(v[0]), INFERENCE), x);
        check("Reshape [0, -1]", seed, v -> new Reshape(new int[] {0, -1}).forward(List.of(v[0]), INFERENCE), x);
        check("Reshape [-1, 0]", seed, v -> new Reshape(new int[] {-1, 0}).forward(List.of(v[0]), INFERENCE),
                randn(r, a * b, c));
        check("Identity", seed, v -> new Tanh().forward(List.of(new Identity().forward(List.of(v[0]), INFERENCE)),
                INFERENCE), x);
        check("Add broadcast", seed, v -> new Add().forward(List.of(v[0], v[1]), INFERENCE), x, randn(r, b, 1));
        check("Add broadcast first", seed, v -> new Add().forward(List.of(v[0], v[1]), INFERENCE), randn(r, c), x);
        check("Add same input twice", seed, v -> new Add().forward(List.of(v[0], v[0]), INFERENCE), x);
        int b2 = dim(r, 3);
        check("Concat axis 1", seed, v -> new Concat(1).forward(List.of(v[0], v[1], v[0]), INFERENCE), x,
                randn(r, a, b2, c));
        check("Concat axis -1", seed, v -> new Concat(-1).forward(List.of(v[0], v[1]), INFERENCE), x,
                randn(r, a, b, 2));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void dropoutGradients(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Tensor x = randn(r, dim(r, 4), dim(r, 6));
        check("Dropout inference", seed, v -> new Dropout(0.5f).forward(List.of(v[0]), INFERENCE), x);
        // the same generator state for every evaluation gives the same mask
        check("Dropout training", seed, v -> new Dropout(0.4f)
                .forward(List.of(v[0]), ForwardContext.training(new SplittableRandom(seed))), x);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void batchNormGradientsInInferenceMode(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int c = dim(r, 3);
        Tensor runningMean = randn(r, c);
        Tensor runningVar = Tensor.rand(r, 0.5f, 2f, c);
        Tensor scale = randn(r, c);
        Tensor bias = randn(r, c);
        for (int[] shape : new int[][] {{dim(r, 3), c}, {dim(r, 3), c, dim(r, 4)}, {dim(r, 2), c, dim(r, 3), dim(r, 3)}}) {
            Tensor x = randn(r, shape);
            check("BatchNormalization inference rank " + shape.length, seed,
                    v -> new BatchNorm(v[1], v[2], runningMean.copy(), runningVar.copy(), 1e-5f, 0.1f)
                            .forward(List.of(v[0]), INFERENCE), x, scale, bias);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void batchNormGradientsInTrainingMode(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int c = dim(r, 3);
        Tensor scale = randn(r, c);
        Tensor bias = randn(r, c);
        for (int[] shape : new int[][] {{2 + r.nextInt(4), c}, {1 + r.nextInt(2), c, 2 + r.nextInt(3)},
                {dim(r, 2), c, 2, dim(r, 3)}}) {
            Tensor x = Tensor.randn(r, 2f, shape);
            // a fresh layer per evaluation: training mode updates its running statistics in place
            check("BatchNormalization training rank " + shape.length, seed,
                    v -> new BatchNorm(v[1], v[2], Tensor.zeros(c), Tensor.ones(c), 1e-5f, 0.1f)
                            .forward(List.of(v[0]), ForwardContext.training(new SplittableRandom(0))),
                    x, scale, bias);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void localResponseNormGradients(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int c = 1 + r.nextInt(6);
        Tensor x = randn(r, dim(r, 2), c, dim(r, 3), dim(r, 3));
        for (int size : new int[] {1, 2, 3, 4, 5}) {
            check("LRN size " + size, seed,
                    v -> new LocalResponseNorm(size, 0.5f, 0.75f, 1f).forward(List.of(v[0]), INFERENCE), x);
        }
        check("LRN rank 3 AlexNet constants", seed,
                v -> new LocalResponseNorm(5, 1e-4f, 0.75f, 2f).forward(List.of(v[0]), INFERENCE),
                randn(r, 2, c, 3));
    }
}
