package org.lrp4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.ReLU;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.Epsilon;
import org.lrp4j.tensor.Tensor;

class MethodSpecsTest {

    static Model cnn() {
        SplittableRandom r = new SplittableRandom(3);
        return ModelBuilder.create("cnn").input("input", 1, 6, 6).then(Conv2d.of(1, 3, 3, 1, 1, r)).then(new ReLU())
                .then(new Flatten()).then(Linear.of(3 * 36, 4, r)).build();
    }

    @Test
    void listsSplitAtCommasOutsideParentheses() {
        assertThat(MethodSpecs.split("lrp:alpha_beta(2,1), gradient,lrp:epsilon(0.25);Relu=pass"))
                .containsExactly("lrp:alpha_beta(2,1)", "gradient", "lrp:epsilon(0.25);Relu=pass");
        assertThatThrownBy(() -> MethodSpecs.split("gradient,,random")).hasMessageContaining("empty method");
        assertThatThrownBy(() -> MethodSpecs.split("lrp:epsilon(0.1")).hasMessageContaining("unbalanced");
    }

    @Test
    void aBareRuleIsThatRuleOnEveryConvAndGemm() {
        Model m = cnn();
        Tensor x = Tensor.randn(new SplittableRandom(1), 1f, 3, 1, 6, 6);
        List<Method> methods = MethodSpecs.parse("lrp:epsilon(0.25),lrp:epsilon-plus-flat;Gemm=epsilon(0.25)", m,
                MethodOptions.defaults(), 0);
        Explainer expected = LrpExplainer.builder(m, Composites.structural().with(Selector.opType("Conv", "Gemm"),
                new Epsilon(0.25f))).build();
        Tensor want = expected.explain(x, Targets.perImage(0, 1, 2)).attribution();
        Tensor got = methods.get(0).attribution().attribute(x, new int[] {0, 1, 2});
        float[] a = want.toArray();
        float[] b = got.toArray();
        for (int i = 0; i < a.length; i++) {
            assertThat(b[i]).isCloseTo(a[i], within(1e-6f));
        }
        Explainer overridden = LrpExplainer.builder(m, Composites.epsilonPlusFlat()).rule("Gemm", new Epsilon(0.25f))
                .build();
        float[] c = overridden.explain(x, Targets.perImage(0, 1, 2)).attribution().toArray();
        float[] d = methods.get(1).attribution().attribute(x, new int[] {0, 1, 2}).toArray();
        for (int i = 0; i < c.length; i++) {
            assertThat(d[i]).isCloseTo(c[i], within(1e-6f));
        }
        assertThat(methods.get(0).name()).isEqualTo("lrp:epsilon(0.25)");
    }

    @Test
    void everyExplainMethodAndTheRandomHeatmapAreAccepted() {
        Model m = cnn();
        List<Method> ms = MethodSpecs.parse("gradient,sensitivity,gradient-x-input,integrated-gradients,grad-cam,"
                + "random,lrp,lrp:Conv=zplus;Gemm=epsilon", m, MethodOptions.defaults(), 0);
        Tensor x = Tensor.randn(new SplittableRandom(1), 1f, 2, 1, 6, 6);
        for (Method method : ms) {
            Tensor a = method.attribution().attribute(x, new int[] {1, 2});
            assertThat(a.dim(0)).as(method.name()).isEqualTo(2);
            assertThat(a.dim(2)).isEqualTo(6);
            assertThat(a.dim(3)).isEqualTo(6);
        }
        // the random heatmap is seeded and does not depend on batching
        Method rnd = Method.randomHeatmap("random", 3);
        float[] all = rnd.attribution().attribute(x, new int[] {0, 0}).toArray();
        float[] second = rnd.attribution().attribute(x.slice(1, 2), new int[] {0}).toArray();
        assertThat(java.util.Arrays.copyOfRange(all, 36, 72)).containsExactly(second);
    }

    @Test
    void badSpecsNameTheProblem() {
        Model m = cnn();
        MethodOptions o = MethodOptions.defaults();
        assertThatThrownBy(() -> MethodSpecs.parse("lrp:nonsense", m, o, 0)).hasMessageContaining("neither a preset");
        assertThatThrownBy(() -> MethodSpecs.parse("saliency-maps", m, o, 0)).hasMessageContaining("unknown method");
        assertThatThrownBy(() -> MethodSpecs.parse("lrp:epsilon;LRN=taylor", m, o, 0))
                .hasMessageContaining("matches no node");
        assertThatThrownBy(() -> MethodSpecs.parse("lrp:epsilon;Conv", m, o, 0)).hasMessageContaining("SELECTOR=RULE");
        assertThatThrownBy(() -> MethodSpecs.parse("gradient,gradient", m, o, 0)).hasMessageContaining("twice");
        assertThatThrownBy(() -> MethodSpecs.parse("lrp:epsilon-gamma-box", m, o, 0))
                .hasMessageContaining("bounds");
    }
}
