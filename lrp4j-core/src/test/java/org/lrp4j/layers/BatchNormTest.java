package org.lrp4j.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.lrp4j.layers.LayerFixtures.c;
import static org.lrp4j.layers.LayerFixtures.f;
import static org.lrp4j.layers.LayerFixtures.infer;
import static org.lrp4j.layers.LayerFixtures.p;
import static org.lrp4j.layers.LayerFixtures.t;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

/** BatchNorm: running statistics at inference, batch statistics and PyTorch's running-stat update in training. */
class BatchNormTest {

    private static ForwardContext training() {
        return ForwardContext.training(new SplittableRandom(0));
    }

    /** scale [3, 2], bias [1, -1], running mean [1, -2], running variance [4, 0.25], epsilon 0. */
    private static BatchNorm handLayer() {
        return new BatchNorm(p(f(3, 2), 2), p(f(1, -1), 2), t(f(1, -2), 2), t(f(4, 0.25), 2), 0f, 0.1f);
    }

    @Test
    void inferenceUsesRunningStatistics() {
        // channel 0: (x - 1) / 2 * 3 + 1; channel 1: (x + 2) / 0.5 * 2 - 1
        // x = [[3, -1], [-1, 0]] -> [[4, 3], [-2, 7]]
        BatchNorm bn = handLayer();
        Variable y = infer(bn, c(f(3, -1, -1, 0), 2, 2));
        assertThat(y.shape()).isEqualTo(Shape.of(2, 2));
        assertThat(y.value().toArray()).containsExactly(f(4, 3, -2, 7), within(1e-6f));
        // [N, C, H, W]: channel 0 holds [3, -1], channel 1 holds [-1, 0]
        Variable y4 = infer(bn, c(f(3, -1, -1, 0), 1, 2, 1, 2));
        assertThat(y4.shape()).isEqualTo(Shape.of(1, 2, 1, 2));
        assertThat(y4.value().toArray()).containsExactly(f(4, -2, 3, 7), within(1e-6f));
        // [N, C, L]
        assertThat(infer(bn, c(f(3, -1, -1, 0), 1, 2, 2)).value().toArray())
                .containsExactly(f(4, -2, 3, 7), within(1e-6f));
        // inference leaves the running statistics alone
        assertThat(bn.runningMean().toArray()).containsExactly(1f, -2f);
        assertThat(bn.runningVar().toArray()).containsExactly(4f, 0.25f);
    }

    @Test
    void inferenceAddsEpsilonToTheVariance() {
        // running var 0.75 + epsilon 0.25 = 1: y = x - mean
        BatchNorm bn = new BatchNorm(p(f(1), 1), p(f(0), 1), t(f(2), 1), t(f(0.75), 1), 0.25f, 0.1f);
        assertThat(infer(bn, c(f(5, -1), 2, 1)).value().toArray()).containsExactly(f(3, -3), within(1e-6f));
    }

    @Test
    void trainingOnAHandExample() {
        // one channel, values [1, 3]: mean 2, biased variance 1, unbiased variance 2
        BatchNorm bn = BatchNorm.of(1);
        Variable y = bn.forward(List.of(c(f(1, 3), 2, 1)), training());
        assertThat(y.value().toArray()).containsExactly(f(-1, 1), within(1e-4f));
        // running mean 0.9 * 0 + 0.1 * 2; running variance 0.9 * 1 + 0.1 * 2 (unbiased)
        assertThat(bn.runningMean().toArray()).containsExactly(f(0.2), within(1e-6f));
        assertThat(bn.runningVar().toArray()).containsExactly(f(1.1), within(1e-6f));
        // a second step on [0, 4, 8]: mean 4, unbiased variance 16
        bn.forward(List.of(c(f(0, 4, 8), 3, 1)), training());
        assertThat(bn.runningMean().toArray()).containsExactly(f(0.9 * 0.2 + 0.4), within(1e-6f));
        assertThat(bn.runningVar().toArray()).containsExactly(f(0.9 * 1.1 + 1.6), within(1e-5f));
    }

    @Test
    void trainingNormalisesEachChannelWithBatchStatistics() {
        int n = 6;
        int ch = 3;
        int hw = 5;
        SplittableRandom r = new SplittableRandom(42);
        float[] xs = new float[n * ch * hw];
        for (int b = 0; b < n; b++) {
            for (int cc = 0; cc < ch; cc++) {
                for (int i = 0; i < hw; i++) {
                    // channel-dependent offset and spread
                    xs[(b * ch + cc) * hw + i] = (float) (3 * cc - 2 + (cc + 0.5) * r.nextGaussian());
                }
            }
        }
        float[] rm0 = f(0.5, -1, 2);
        float[] rv0 = f(1, 2, 0.5);
        BatchNorm plain = new BatchNorm(p(f(1, 1, 1), 3), p(f(0, 0, 0), 3), t(rm0, 3), t(rv0, 3), 1e-5f, 0.1f);
        float[] y = plain.forward(List.of(c(xs, n, ch, 1, hw)), training()).value().toArray();
        float[] scale = f(2, -0.5, 1.5);
        float[] shift = f(1, 3, -2);
        BatchNorm affine = new BatchNorm(p(scale, 3), p(shift, 3), Tensor.zeros(3), Tensor.ones(3), 1e-5f, 0.1f);
        float[] ya = affine.forward(List.of(c(xs, n, ch, 1, hw)), training()).value().toArray();

        int count = n * hw;
        for (int cc = 0; cc < ch; cc++) {
            double sx = 0;
            double sy = 0;
            double sya = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) {
                    int at = (b * ch + cc) * hw + i;
                    sx += xs[at];
                    sy += y[at];
                    sya += ya[at];
                }
            }
            double meanX = sx / count;
            double meanY = sy / count;
            double meanYa = sya / count;
            double ssx = 0;
            double ssy = 0;
            double ssya = 0;
            for (int b = 0; b < n; b++) {
                for (int i = 0; i < hw; i++) {
                    int at = (b * ch + cc) * hw + i;
                    ssx += (xs[at] - meanX) * (xs[at] - meanX);
                    ssy += (y[at] - meanY) * (y[at] - meanY);
                    ssya += (ya[at] - meanYa) * (ya[at] - meanYa);
                }
            }
            assertThat(meanY).as("channel %d mean", cc).isCloseTo(0, within(1e-5));
            assertThat(ssy / count).as("channel %d biased variance", cc).isCloseTo(1, within(1e-4));
            assertThat(meanYa).as("channel %d mean after bias", cc).isCloseTo(shift[cc], within(1e-5));
            assertThat(Math.sqrt(ssya / count)).as("channel %d std after scale", cc)
                    .isCloseTo(Math.abs(scale[cc]), within(1e-4));
            double expectedMean = 0.9 * rm0[cc] + 0.1 * meanX;
            double expectedVar = 0.9 * rv0[cc] + 0.1 * (ssx / (count - 1));
            assertThat((double) plain.runningMean().getFlat(cc)).as("channel %d running mean", cc)
                    .isCloseTo(expectedMean, within(1e-5));
            assertThat((double) plain.runningVar().getFlat(cc)).as("channel %d running variance", cc)
                    .isCloseTo(expectedVar, within(1e-4));
        }
    }

    @Test
    void trainingWithOneValuePerChannelIsRejected() {
        assertThatThrownBy(() -> BatchNorm.of(2).forward(List.of(c(f(1, 2), 1, 2)), training()))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("BatchNormalization")
                .hasMessageContaining("[1, 2]");
    }

    @Test
    void freshLayerAndAccessors() {
        BatchNorm bn = BatchNorm.of(4);
        assertThat(bn.channels()).isEqualTo(4);
        assertThat(bn.opType()).isEqualTo("BatchNormalization");
        assertThat(bn.scale().value().toArray()).containsOnly(1f);
        assertThat(bn.bias().value().toArray()).containsOnly(0f);
        assertThat(bn.runningMean().toArray()).containsOnly(0f);
        assertThat(bn.runningVar().toArray()).containsOnly(1f);
        assertThat(bn.epsilon()).isEqualTo(1e-5f);
        assertThat(bn.momentum()).isEqualTo(0.1f);
        assertThat(bn.parameters()).containsOnlyKeys("scale", "bias");
        assertThat(bn.buffers()).containsOnlyKeys("running_mean", "running_var");
        assertThat(bn.buffers().get("running_mean")).isSameAs(bn.runningMean());
        // withParameters keeps the running statistics (the same buffers)
        BatchNorm other = bn.withParameters(java.util.Map.of("scale", p(f(2, 2, 2, 2), 4)));
        assertThat(other.runningMean()).isSameAs(bn.runningMean());
        assertThat(other.bias()).isSameAs(bn.bias());
        assertThat(other.scale().value().toArray()).containsOnly(2f);
    }
}
