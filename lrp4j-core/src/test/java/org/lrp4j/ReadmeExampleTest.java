package org.lrp4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.rules.Epsilon;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/** The Java example of README.md, verbatim, so that the README keeps compiling and means what it says. */
class ReadmeExampleTest {

    @Test
    void readmeGradientExampleRunsAndGradientTimesInputHasTheImageShape() {
        // --- README begin
        SplittableRandom rng = new SplittableRandom(42);
        Variable x = Variable.parameter(Tensor.randn(rng, 1f, 1, 1, 28, 28));      // an image, NCHW
        Variable w = Variable.parameter(Tensor.randn(rng, 0.1f, 8, 1, 3, 3));      // 8 filters 3x3
        Variable y = Ops.relu(Ops.conv2d(x, w, null, Conv2dSpec.of(1, 1)));        // stride 1, padding 1
        Ops.sum(y).backward();
        Tensor gradient = x.grad();                                                // d score / d input, [1, 1, 28, 28]
        Tensor gradientTimesInput = gradient.mul(x.value());
        // --- README end
        assertThat(gradientTimesInput.shape()).isEqualTo(Shape.of(1, 1, 28, 28));
        // For a bias-free ReLU conv followed by a sum, the score is positively homogeneous in x: sum(x * dS/dx) = S.
        assertThat((double) gradientTimesInput.sumValue())
                .isCloseTo(y.value().sumValue(), org.assertj.core.data.Offset.offset(1e-3 * y.value().sumValue()));
    }

    @Test
    void readmeLrpExampleRunsAndReportsEveryNode() {
        SplittableRandom rng = new SplittableRandom(42);
        // --- README begin
        Model model = Architectures.create("cnn", 1, 28, 10, 1);                   // or OnnxImporter.load(path)
        Tensor images = Tensor.randn(rng, 1f, 4, 1, 28, 28);
        Explanation e = LrpExplainer.builder(model, Composites.epsilonPlusFlat())
                .rule("fc2", new Epsilon(0.25f))                                       // user rules override the composite
                .perNodeReport(true)                                                   // list every node in e.report()
                .build()
                .explain(images, Targets.predicted());
        Tensor heatmaps = e.attribution();                                         // [4, 1, 28, 28]
        String report = e.report().format();                                       // where relevance went, per node
        // --- README end
        assertThat(heatmaps.shape()).isEqualTo(Shape.of(4, 1, 28, 28));
        assertThat(report).contains("fc2").contains("epsilon(0.25)").contains("conv1").contains("flat");
    }
}
