package org.lrp4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/** The pixel-flipping example of README.md, verbatim. */
class ReadmePixelFlippingExampleTest {

    @Test
    void readmePixelFlippingExampleGivesOneSummaryPerMethodAndOrder() {
        // --- README begin
        Model model = Architectures.create("cnn", 1, 28, 10, 1);                   // or OnnxImporter.load(path)
        Tensor images = Tensor.randn(new SplittableRandom(1), 1f, 8, 1, 28, 28);
        List<Method> methods = MethodSpecs.parse("lrp:epsilon-plus-flat,gradient-x-input,random", model,
                MethodOptions.defaults(), 0);
        PixelFlipping.Result r = PixelFlipping.builder(model).orders(List.of(Order.MORF, Order.LERF)).steps(20)
                .perturbation(new Perturbation.Uniform()).range(new Perturbation.Range(-0.81f, 2.02f)).seed(0).build()
                .run(images, Targets.predicted(), methods, null);
        List<FlipCurve> curves = r.summaries(false);          // mean curve, stderr, AUC, AOPC per method and order
        // --- README end
        assertThat(curves).hasSize(6);
        assertThat(curves.get(0).curve()).hasSize(21);
        assertThat(curves.get(0).images()).isEqualTo(8);
    }
}
