package org.lrp4j.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Flatten;
import org.lrp4j.tensor.Tensor;

/**
 * Every method against values worked by hand on tiny networks. The MLP of {@link TinyNets#mlp()} at x = [3, 1]:
 * z1 = [2, 6], a = [2, 6], logits [14.5, 4]; at x = [1, 3]: z1 = [-2, 4], a = [0, 4], logits [8.5, 4].
 */
class HandComputedTest {

    static final Tensor X = Tensor.of(new float[] {3, 1, 1, 3}, 2, 2);

    static void close(Tensor actual, float... expected) {
        assertThat(actual.size()).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual.getFlat(i)).as("element %d of %s", i, actual).isCloseTo(expected[i], within(1e-5f));
        }
    }

    @Test
    void gradientIsTheChainRuleThroughTheActiveUnits() {
        Explanation e = new GradientExplainer(TinyNets.mlp()).explain(X, Targets.perImage(0, 0));
        // image 0: [1, 2] W1 = [5, 1]; image 1: unit 0 is off, [0, 2] W1 = [4, 2]
        close(e.attribution(), 5, 1, 4, 2);
        close(e.output(), 14.5f, 4, 8.5f, 4);
        close(new GradientExplainer(TinyNets.mlp()).explain(X, Targets.of(1)).attribution(), 1, 2, 2, 1);
    }

    @Test
    void gradientTimesInputAndSensitivity() {
        close(new GradientTimesInput(TinyNets.mlp()).explain(X, Targets.of(0)).attribution(), 15, 1, 4, 6);
        close(new Sensitivity(TinyNets.mlp()).explain(X, Targets.of(0)).attribution(), 25, 1, 16, 4);
    }

    @Test
    void sensitivitySumsTheSquaredGradientOverChannels() {
        // f = sum_c sum_p w_{c,p} x_{c,p}: gradient w, sensitivity sum_c w_c^2 per pixel, shape [N, 1, H, W]
        Model m = ModelBuilder.create("lin").input("input", 2, 1, 2).then(new Flatten())
                .then(TinyNets.linear(new float[] {1, 2, 3, 4}, 1, 4, null)).build();
        Explanation e = new Sensitivity(m).explain(Tensor.ones(1, 2, 1, 2), Targets.of(0));
        assertThat(e.attribution().dims()).containsExactly(1, 1, 1, 2);
        close(e.attribution(), 1 + 9, 4 + 16);
    }

    @Test
    void guidedBackpropAndDeconvnetChangeOnlyTheReluBackward() {
        Model m = TinyNets.mlp();
        // class 1 at x = [3, 1]: the signal at a is [-1, 1]; guided keeps [0, 1] -> [0, 1] W1 = [2, 1]
        close(new GuidedBackprop(m).explain(X, Targets.of(1)).attribution(), 2, 1, 2, 1);
        // class 0 at x = [1, 3]: the signal at a is [1, 2] and unit 0 is off: guided [0, 2] -> [4, 2],
        // deconvnet ignores the mask: [1, 2] -> [5, 1]
        close(new GuidedBackprop(m).explain(X, Targets.of(0)).attribution(), 5, 1, 4, 2);
        close(new Deconvnet(m).explain(X, Targets.of(0)).attribution(), 5, 1, 5, 1);
    }

    @Test
    void integratedGradientsIsTheRightRiemannSum() {
        // along a x with x = [3, 1] unit 1 turns on at a = 1/7; with 8 points, 1/8 sees gradient [1, -1] and the
        // other seven [5, 1]: IG = x * ([1, -1] + 7 [5, 1]) / 8 = [13.5, 0.75]. f(x) - f(0) = 14.5 - 0.5 = 14.
        IntegratedGradients ig = new IntegratedGradients(TinyNets.mlp(), 8, null);
        IntegratedGradients.Result r = ig.explainWithCompleteness(X.slice(0, 1), Targets.of(0));
        close(r.explanation().attribution(), 13.5f, 0.75f);
        assertThat(r.scoreAtInput()[0]).isCloseTo(14.5, within(1e-5));
        assertThat(r.scoreAtBaseline()[0]).isCloseTo(0.5, within(1e-5));
        assertThat(r.completenessGap()[0]).isCloseTo(0.25, within(1e-5));
        assertThat(r.format()).contains("completeness gap");
        // a baseline for one sample: from b = [1, 1] (a = [0, 2]) the path has unit 0 on and unit 1 on: [5, 1] all
        // along, IG = (x - b) * [5, 1] = [10, 0]
        IntegratedGradients fromB = new IntegratedGradients(TinyNets.mlp(), 4, Tensor.of(new float[] {1, 1}, 2));
        close(fromB.explain(X.slice(0, 1), Targets.of(0)).attribution(), 10, 0);
    }

    @Test
    void smoothGradOfALinearModelIsItsGradient() {
        Model m = ModelBuilder.create("lin").input("input", 3)
                .then(TinyNets.linear(new float[] {1, -2, 3, 0, 1, 0}, 2, 3, new float[] {1, 1})).build();
        Tensor x = Tensor.of(new float[] {0.5f, -1, 2, 3, 0, 1}, 2, 3);
        Explanation e = SmoothGrad.of(m, 10, 0.3f, 7).explain(x, Targets.predicted());
        close(e.attribution(), 1, -2, 3, 1, -2, 3);
        assertThat(e.targets()).containsExactly(0, 0);
    }

    @Test
    void occlusionAveragesTheDropsOfOverlappingWindows() {
        // f = 1 x0 + 2 x1 + 3 x2 on a 1x3 image of ones; windows of width 2 (height clipped to 1) at 0 and 1:
        // drops 3 and 5; pixel 1 is covered by both: (3 + 5) / 2 = 4
        Model m = ModelBuilder.create("lin").input("input", 1, 1, 3).then(new Flatten())
                .then(TinyNets.linear(new float[] {1, 2, 3}, 1, 3, null)).build();
        Tensor x = Tensor.ones(1, 1, 1, 3);
        close(new Occlusion(m, 2, 1, 0f).explain(x, Targets.of(0)).attribution(), 3, 4, 5);
        close(new Occlusion(m, 2, 2, 0f).explain(x, Targets.of(0)).attribution(), 3, 4, 5);
        close(new Occlusion(m, 1, 1, 0f).explain(x, Targets.of(0)).attribution(), 1, 2, 3);
        // fill 2: occluding raises the score, drops are negative: -(w_i * (2 - 1))
        close(new Occlusion(m, 1, 1, 2f).explain(x, Targets.of(0)).attribution(), -1, -2, -3);
        assertThat(Occlusion.positions(7, 3, 2)).containsExactly(0, 2, 4);
        assertThat(Occlusion.positions(8, 3, 2)).containsExactly(0, 2, 4, 5);
    }

    @Test
    void bilinearResizeMatchesPyTorchAlignCornersFalse() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2);
        // torch.nn.functional.interpolate(x, size=(4, 4), mode="bilinear", align_corners=False)
        close(Resize.bilinear(x, 4, 4), 1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f,
                3, 3.25f, 3.75f, 4);
        // 2 -> 3: source positions 0 (clamped from -1/6), 0.5 and 7/6 (clamped to the last row)
        close(Resize.bilinear(x, 3, 3), 1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4);
        // downsampling 4 -> 2 along a row: sources 0.5 and 2.5
        close(Resize.bilinear(Tensor.of(new float[] {0, 1, 2, 3}, 1, 1, 1, 4), 1, 2), 0.5f, 2.5f);
        close(Resize.bilinear(x, 2, 2), 1, 2, 3, 4);
    }

    /** One conv (two 2x2 kernels picking the top-left and bottom-right pixel), flatten, linear. */
    static Model oneConv() {
        float[] fc = new float[2 * 8];
        for (int i = 0; i < 4; i++) {
            fc[i] = 1f;          // class 0: channel 0 with weight 1
            fc[4 + i] = -0.5f;   //          channel 1 with weight -0.5
            fc[8 + 4 + i] = 1f;  // class 1: channel 1 with weight 1
        }
        return ModelBuilder.create("oneconv").input("input", 1, 3, 3)
                .then(TinyNets.conv(new float[] {1, 0, 0, 0, 0, 0, 0, 1}, 2, 2)).then(new Flatten())
                .then(TinyNets.linear(fc, 2, 8, null)).build();
    }

    @Test
    void gradCamOnAOneConvNetworkEqualsTheHandFormula() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        // A0 = [[1,2],[4,5]], A1 = [[5,6],[8,9]]; class 0: alpha = [1, -0.5], cam = A0 - 0.5 A1 = [[-1.5,-1],[0,0.5]]
        Explanation raw = new GradCam(oneConv(), null, false).explain(x, Targets.of(0));
        close(raw.layers().get("conv1"), -1.5f, -1, 0, 0.5f);
        // upsampled 2x2 -> 3x3: rows/cols at sources 0, 0.5, 1
        close(raw.attribution(), -1.5f, -1.25f, -1, -0.75f, -0.5f, -0.25f, 0, 0.25f, 0.5f);
        assertThat(raw.attribution().dims()).containsExactly(1, 1, 3, 3);
        Explanation relu = new GradCam(oneConv()).explain(x, Targets.of(0));
        close(relu.layers().get("conv1"), 0, 0, 0, 0.5f);
        close(relu.attribution(), 0, 0, 0, 0, 0.125f, 0.25f, 0, 0.25f, 0.5f);
        // class 1: alpha = [0, 1], cam = A1
        close(new GradCam(oneConv()).explain(x, Targets.of(1)).layers().get("conv1"), 5, 6, 8, 9);
        // guided grad-cam: the guided gradient (all paths linear, no ReLU: the gradient) times the map
        Tensor g = new GradientExplainer(oneConv()).explain(x, Targets.of(0)).attribution();
        Tensor gg = new GuidedGradCam(oneConv()).explain(x, Targets.of(0)).attribution();
        close(gg, g.mul(relu.attribution()).toArray());
    }

    @Test
    void taylorOnALinearModelFindsTheRootAndHasNoRemainder() {
        // f = x0 + 2 x1 - 1 at x = [3, 1]: 4; towards 0: f(t) = 5 (1 - t) - 1 = 0 at t = 0.8, x0 = [0.6, 0.2];
        // R = (x - x0) * w = [2.4, 1.6]
        Model m = ModelBuilder.create("lin").input("input", 2)
                .then(TinyNets.linear(new float[] {1, 2, -1, 1}, 2, 2, new float[] {-1, 0})).build();
        Taylor.Result r = new Taylor(m).explainWithRoots(Tensor.of(new float[] {3, 1}, 1, 2), Targets.of(0));
        close(r.explanation().attribution(), 2.4f, 1.6f);
        close(r.rootPoints(), 0.6f, 0.2f);
        assertThat(r.t()[0]).isCloseTo(0.8, within(1e-5));
        assertThat(r.scoreAtRoot()[0]).isCloseTo(0, within(1e-5));
        assertThat(r.remainder()[0]).isCloseTo(0, within(1e-5));
        assertThat(r.rootFound()[0]).isTrue();
        // the margin f0 - f1 = 2 x0 + x1 - 1 = 6 at x; towards 0 it is -1: root at t = 6/7
        Taylor.Result mr = new Taylor(m, null, Taylor.Score.MARGIN).explainWithRoots(
                Tensor.of(new float[] {3, 1}, 1, 2), Targets.of(0));
        assertThat(mr.t()[0]).isCloseTo(6.0 / 7, within(1e-5));
        close(mr.explanation().attribution(), (float) (3 * 6.0 / 7 * 2), (float) (6.0 / 7));
    }

    @Test
    void taylorWithoutASignChangeUsesTheReferenceAndSaysSo() {
        // class 0 of the MLP is >= 0.5 everywhere: no root; x0 = 0, where the gradient is 0 (both units off)
        Taylor.Result r = new Taylor(TinyNets.mlp()).explainWithRoots(X.slice(0, 1), Targets.of(0));
        assertThat(r.rootFound()[0]).isFalse();
        close(r.rootPoints(), 0, 0);
        assertThat(r.scoreAtRoot()[0]).isCloseTo(0.5, within(1e-6));
        assertThat(r.remainder()[0]).isCloseTo(14, within(1e-5));
        assertThat(r.format()).contains("no sign change");
    }
}
