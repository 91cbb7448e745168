package org.lrp4j.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.lrp4j.layers.LayerFixtures.c;
import static org.lrp4j.layers.LayerFixtures.f;
import static org.lrp4j.layers.LayerFixtures.infer;
import static org.lrp4j.layers.LayerFixtures.iota;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.kernel.Conv2dSpec;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/** Every layer's forward pass against values worked out by hand on tiny inputs. */
class LayerForwardTest {

    private static final float TOL = 1e-6f;

    private static void assertValues(Variable y, Shape shape, float[] expected) {
        assertThat(y.shape()).isEqualTo(shape);
        assertThat(y.value().toArray()).containsExactly(expected, within(TOL));
    }

    // ------------------------------------------------------------------ Linear

    @Test
    void linearComputesXTimesWTransposedPlusBias() {
        Variable x = c(f(1, 2, 3, -1, 0, 2), 2, 3);
        Variable w = c(f(1, 0, -1, 2, 1, 0.5), 2, 3);
        Variable b = c(f(0.5, -1), 2);
        // row 0: 1*1 + 2*0 + 3*(-1) + 0.5 = -1.5;   1*2 + 2*1 + 3*0.5 - 1 = 4.5
        // row 1: -1*1 + 0*0 + 2*(-1) + 0.5 = -2.5;  -1*2 + 0*1 + 2*0.5 - 1 = -2
        assertValues(infer(new Linear(w, b), x), Shape.of(2, 2), f(-1.5, 4.5, -2.5, -2));
        assertValues(infer(new Linear(w, null), x), Shape.of(2, 2), f(-2, 5.5, -3, -1));
        Linear l = new Linear(w, b);
        assertThat(l.inFeatures()).isEqualTo(3);
        assertThat(l.outFeatures()).isEqualTo(2);
        assertThat(l.opType()).isEqualTo("Gemm");
        assertThat(l.parameters()).containsOnlyKeys("weight", "bias");
        assertThat(new Linear(w, null).parameters()).containsOnlyKeys("weight");
    }

    @Test
    void linearOfUsesPyTorchDefaultBounds() {
        Linear l = Linear.of(16, 5, new SplittableRandom(7));
        assertThat(l.weight().shape()).isEqualTo(Shape.of(5, 16));
        assertThat(l.bias().shape()).isEqualTo(Shape.of(5));
        assertThat(l.weight().value().maxAbsDiff(org.lrp4j.tensor.Tensor.zeros(5, 16))).isLessThanOrEqualTo(0.25f);
        assertThat(l.bias().value().maxAbsDiff(org.lrp4j.tensor.Tensor.zeros(5))).isLessThanOrEqualTo(0.25f);
        assertThat(l.weight().requiresGrad()).isTrue();
    }

    // ------------------------------------------------------------------ Conv2d

    private static final float[] IMAGE_3X3 = f(1, 2, 3, 4, 5, 6, 7, 8, 9);
    private static final float[] KERNEL_2X2 = f(1, 0, -1, 2);

    @Test
    void convolvesA3x3ImageWithA2x2Kernel() {
        Variable x = c(IMAGE_3X3, 1, 1, 3, 3);
        Variable w = c(KERNEL_2X2, 1, 1, 2, 2);
        Variable b = c(f(0.5), 1);
        // y(i, j) = x(i, j) - x(i+1, j) + 2 x(i+1, j+1) + 0.5
        // (0,0): 1 - 4 + 10 = 7;  (0,1): 2 - 5 + 12 = 9;  (1,0): 4 - 7 + 16 = 13;  (1,1): 5 - 8 + 18 = 15
        assertValues(infer(new Conv2d(Conv2dSpec.of(1, 0), w, b), x), Shape.of(1, 1, 2, 2),
                f(7.5, 9.5, 13.5, 15.5));
        assertValues(infer(new Conv2d(Conv2dSpec.of(1, 0), w, null), x), Shape.of(1, 1, 2, 2), f(7, 9, 13, 15));
    }

    @Test
    void convolvesWithStrideAndZeroPadding() {
        Variable x = c(IMAGE_3X3, 1, 1, 3, 3);
        Variable w = c(KERNEL_2X2, 1, 1, 2, 2);
        Variable b = c(f(0.5), 1);
        // stride 2, pad 1: output (3 + 2 - 2) / 2 + 1 = 2; window (i, j) starts at input row 2i-1, column 2j-1.
        // (0,0): only x(0,0) under the kernel's 2 -> 2;  (0,1): -x(0,1) + 2 x(0,2) = -2 + 6 = 4
        // (1,0): 2 x(2,0) = 14;  (1,1): x(1,1) - x(2,1) + 2 x(2,2) = 5 - 8 + 18 = 15
        assertValues(infer(new Conv2d(Conv2dSpec.of(2, 1), w, b), x), Shape.of(1, 1, 2, 2),
                f(2.5, 4.5, 14.5, 15.5));
        // stride 1, pad 1: 4x4 output, checked against a direct loop over the zero-padded image
        Variable y = infer(new Conv2d(Conv2dSpec.of(1, 1), w, b), x);
        float[] expected = new float[16];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                double s = 0.5;
                for (int u = 0; u < 2; u++) {
                    for (int v = 0; v < 2; v++) {
                        int r = i - 1 + u;
                        int q = j - 1 + v;
                        if (r >= 0 && r < 3 && q >= 0 && q < 3) {
                            s += IMAGE_3X3[r * 3 + q] * KERNEL_2X2[u * 2 + v];
                        }
                    }
                }
                expected[i * 4 + j] = (float) s;
            }
        }
        assertValues(y, Shape.of(1, 1, 4, 4), expected);
    }

    @Test
    void convSumsOverInputChannelsPerOutputChannel() {
        // 2 input channels (x and 10 - x), 2 output channels with 1x1 kernels [[1, 1], [2, -1]], bias [0, 1]
        float[] xs = new float[18];
        for (int i = 0; i < 9; i++) {
            xs[i] = IMAGE_3X3[i];
            xs[9 + i] = 10 - IMAGE_3X3[i];
        }
        Variable y = infer(new Conv2d(Conv2dSpec.of(1, 0), c(f(1, 1, 2, -1), 2, 2, 1, 1), c(f(0, 1), 2)),
                c(xs, 1, 2, 3, 3));
        float[] expected = new float[18];
        for (int i = 0; i < 9; i++) {
            expected[i] = 10;                                  // x + (10 - x)
            expected[9 + i] = 2 * IMAGE_3X3[i] - (10 - IMAGE_3X3[i]) + 1; // 3x - 9
        }
        assertValues(y, Shape.of(1, 2, 3, 3), expected);
        Conv2d conv = Conv2d.of(2, 3, 3, 1, 1, new SplittableRandom(1));
        assertThat(conv.inChannels()).isEqualTo(2);
        assertThat(conv.outChannels()).isEqualTo(3);
        assertThat(conv.opType()).isEqualTo("Conv");
    }

    // ------------------------------------------------------------------ activations

    @Test
    void reluAndLeakyRelu() {
        Variable x = c(f(-2, -0.5, 0, 1.5), 2, 2);
        assertValues(infer(new ReLU(), x), Shape.of(2, 2), f(0, 0, 0, 1.5));
        assertValues(infer(new LeakyReLU(0.1f), x), Shape.of(2, 2), f(-0.2, -0.05, 0, 1.5));
        assertValues(infer(new LeakyReLU(2f), x), Shape.of(2, 2), f(-4, -1, 0, 1.5));
        assertThat(new LeakyReLU(0.1f).opType()).isEqualTo("LeakyRelu");
    }

    @Test
    void tanhAndSigmoid() {
        assertValues(infer(new Tanh(), c(f(0, 1, -2), 3)), Shape.of(3), f(0, 0.7615941559557649, -0.9640275800758169));
        assertValues(infer(new Sigmoid(), c(f(0, 2, -1), 3)), Shape.of(3), f(0.5, 0.8807970779778823, 0.2689414213699951));
    }

    @Test
    void softmaxRowsSumToOneWithKnownValues() {
        Variable x = c(f(1, 2, 3, 0, 0, 0), 2, 3);
        float third = 1f / 3;
        float[] expected = f(0.09003057317038046, 0.24472847105479767, 0.6652409557748219, third, third, third);
        assertValues(infer(new Softmax(1), x), Shape.of(2, 3), expected);
        assertValues(infer(new Softmax(-1), x), Shape.of(2, 3), expected);
        // along axis 0 each column is a 2-way softmax: sigmoid(1), sigmoid(2), sigmoid(3) on top
        Variable y0 = infer(new Softmax(0), x);
        assertThat(y0.value().toArray()).containsExactly(f(0.7310585786300049, 0.8807970779778823,
                0.9525741268224334, 0.2689414213699951, 0.11920292202211755, 0.04742587317756678), within(TOL));
        // large logits stay finite (max subtracted)
        assertValues(infer(new Softmax(1), c(f(1000, 1001), 1, 2)), Shape.of(1, 2),
                f(0.2689414213699951, 0.7310585786300049));
        float[] rows = infer(new Softmax(1), c(f(-3, 0.5, 7, 2, 2, -1, 4, 0), 2, 4)).value().toArray();
        assertThat(rows[0] + rows[1] + rows[2] + rows[3]).isCloseTo(1f, within(1e-6f));
        assertThat(rows[4] + rows[5] + rows[6] + rows[7]).isCloseTo(1f, within(1e-6f));
    }

    // ------------------------------------------------------------------ pooling

    private static final float[] GRID_4X4 = f(
            1, 5, 2, 0,
            3, 4, 8, 1,
            9, 2, 0, 7,
            6, 1, 3, 2);

    @Test
    void maxPoolTakesTheWindowMaximum() {
        Variable x = c(GRID_4X4, 1, 1, 4, 4);
        assertValues(infer(MaxPool2d.of(2, 2), x), Shape.of(1, 1, 2, 2), f(5, 8, 9, 7));
        // 3x3 windows, stride 1: rows 0-2 / 1-3 x columns 0-2 / 1-3
        assertValues(infer(MaxPool2d.of(3, 1), x), Shape.of(1, 1, 2, 2), f(9, 8, 9, 8));
        // padding never wins, even over negative values: windows {-1}, {-2,-3}, {-4,-7}, {-5,-6,-8,-9}
        float[] neg = new float[9];
        for (int i = 0; i < 9; i++) {
            neg[i] = -(i + 1);
        }
        assertValues(infer(new MaxPool2d(Pool2dSpec.of(2, 2, 1)), c(neg, 1, 1, 3, 3)), Shape.of(1, 1, 2, 2),
                f(-1, -2, -4, -5));
        assertThat(MaxPool2d.of(2, 2).opType()).isEqualTo("MaxPool");
    }

    @Test
    void avgPoolWithoutPadding() {
        // (1+5+3+4)/4, (2+0+8+1)/4, (9+2+6+1)/4, (0+7+3+2)/4
        assertValues(infer(AvgPool2d.of(2, 2), c(GRID_4X4, 1, 1, 4, 4)), Shape.of(1, 1, 2, 2),
                f(3.25, 2.75, 4.5, 3));
    }

    @Test
    void avgPoolWithAndWithoutCountIncludePad() {
        Variable x = c(IMAGE_3X3, 1, 1, 3, 3);
        // kernel 2, stride 2, pad 1: windows {1}, {2,3}, {4,7}, {5,6,8,9}
        Pool2dSpec k2 = Pool2dSpec.of(2, 2, 1);
        assertValues(infer(new AvgPool2d(k2), x), Shape.of(1, 1, 2, 2), f(1, 2.5, 5.5, 7));
        assertValues(infer(new AvgPool2d(k2.withCountIncludePad(true)), x), Shape.of(1, 1, 2, 2),
                f(1 / 4.0, 5 / 4.0, 11 / 4.0, 28 / 4.0));
        // kernel 3, stride 2, pad 1: each window holds a 2x2 block of the image out of 9 cells
        Pool2dSpec k3 = Pool2dSpec.of(3, 2, 1);
        assertValues(infer(new AvgPool2d(k3), x), Shape.of(1, 1, 2, 2), f(12 / 4.0, 16 / 4.0, 24 / 4.0, 28 / 4.0));
        assertValues(infer(new AvgPool2d(k3.withCountIncludePad(true)), x), Shape.of(1, 1, 2, 2),
                f(12 / 9.0, 16 / 9.0, 24 / 9.0, 28 / 9.0));
        assertThat(AvgPool2d.of(2, 2).opType()).isEqualTo("AveragePool");
    }

    @Test
    void globalAveragePoolAveragesEachPlane() {
        Variable x = c(f(1, 2, 3, 4, -1, 0, 5, 8, 10, 10, 10, 10, 0, 0, 0, 4), 2, 2, 2, 2);
        assertValues(infer(new GlobalAveragePool(), x), Shape.of(2, 2, 1, 1), f(2.5, 3, 10, 1));
    }

    // ------------------------------------------------------------------ shape layers

    @Test
    void flattenKeepsDataAndSplitsAtTheAxis() {
        float[] data = iota(24);
        Variable x = c(data, 2, 3, 4);
        assertValues(infer(new Flatten(), x), Shape.of(2, 12), data);
        assertValues(infer(new Flatten(1), x), Shape.of(2, 12), data);
        assertValues(infer(new Flatten(2), x), Shape.of(6, 4), data);
        assertValues(infer(new Flatten(0), x), Shape.of(1, 24), data);
        assertValues(infer(new Flatten(3), x), Shape.of(24, 1), data);
        assertValues(infer(new Flatten(-1), x), Shape.of(6, 4), data);
    }

    @Test
    void reshapeCopiesZerosAndInfersMinusOne() {
        float[] data = iota(24);
        Variable x = c(data, 2, 3, 4);
        assertValues(infer(new Reshape(new int[] {0, -1}), x), Shape.of(2, 12), data);
        assertValues(infer(new Reshape(new int[] {0, 0, -1}), x), Shape.of(2, 3, 4), data);
        assertValues(infer(new Reshape(new int[] {-1, 4}), x), Shape.of(6, 4), data);
        assertValues(infer(new Reshape(new int[] {0, 2, -1}), x), Shape.of(2, 2, 6), data);
        assertValues(infer(new Reshape(new int[] {4, 0, 2}), x), Shape.of(4, 3, 2), data);
        assertValues(infer(new Reshape(new int[] {24}), x), Shape.of(24), data);
        // the record copies its array both ways
        int[] target = {0, -1};
        Reshape r = new Reshape(target);
        target[0] = 5;
        r.shape()[1] = 7;
        assertThat(r.shape()).containsExactly(0, -1);
        assertThat(r).isEqualTo(new Reshape(new int[] {0, -1})).hasSameHashCodeAs(new Reshape(new int[] {0, -1}));
        assertThat(r.toString()).contains("[0, -1]");
    }

    // ------------------------------------------------------------------ multi-input layers

    @Test
    void addBroadcasts() {
        Variable a = c(f(1, 2, 3, 4, 5, 6), 2, 3);
        assertValues(infer(new Add(), a, c(f(10, 20, 30), 3)), Shape.of(2, 3), f(11, 22, 33, 14, 25, 36));
        assertValues(infer(new Add(), a, c(f(100, 200), 2, 1)), Shape.of(2, 3), f(101, 102, 103, 204, 205, 206));
        assertValues(infer(new Add(), c(f(1, 2), 2, 1), c(f(10, 20, 30), 1, 3)), Shape.of(2, 3),
                f(11, 21, 31, 12, 22, 32));
        assertThat(new Add().arity()).isEqualTo(2);
    }

    @Test
    void concatJoinsAlongAxisOne() {
        Variable a = c(f(1, 2), 2, 1);
        Variable b = c(f(3, 4, 5, 6), 2, 2);
        assertValues(infer(new Concat(1), a, b), Shape.of(2, 3), f(1, 3, 4, 2, 5, 6));
        assertValues(infer(new Concat(1), b, a, a), Shape.of(2, 4), f(3, 4, 1, 1, 5, 6, 2, 2));
        assertValues(infer(new Concat(0), b, c(f(7, 8), 1, 2)), Shape.of(3, 2), f(3, 4, 5, 6, 7, 8));
        // NCHW channel concatenation
        assertValues(infer(new Concat(1), c(f(1, 2, 3, 4), 1, 1, 2, 2), c(f(5, 6, 7, 8), 1, 1, 2, 2)),
                Shape.of(1, 2, 2, 2), f(1, 2, 3, 4, 5, 6, 7, 8));
        assertThat(new Concat(1).arity()).isEqualTo(-1);
    }

    @Test
    void identityAndInferenceDropoutPassTheInputOn() {
        Variable x = c(f(1, -2, 3.5), 3);
        assertThat(infer(new Identity(), x)).isSameAs(x);
        assertThat(infer(new Dropout(0.5f), x).value().toArray()).containsExactly(1f, -2f, 3.5f);
        assertThat(new Dropout(0.5f).forward(List.of(x), ForwardContext.inference()).value().toArray())
                .containsExactly(1f, -2f, 3.5f);
        assertThat(new Dropout(0f).forward(List.of(x), ForwardContext.training(new SplittableRandom(1))).value()
                .toArray()).containsExactly(1f, -2f, 3.5f);
    }
}
