package org.lrp4j.lrp.canonizers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.BatchNorm;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Dropout;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Identity;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.ReLU;
import org.lrp4j.lrp.rules.Norm;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/** Canonizers keep the model's function, rewrite only what they name, and never touch the original. */
class CanonizerTest {

    /** A BatchNorm with random statistics, so that merging it is not a no-op. */
    static BatchNorm randomBatchNorm(int c, SplittableRandom r) {
        return new BatchNorm(Variable.parameter(Tensor.rand(r, 0.5f, 2f, c)), Variable.parameter(Tensor.randn(r, 1f, c)),
                Tensor.randn(r, 1f, c), Tensor.rand(r, 0.5f, 3f, c), 1e-5f, 0.1f);
    }

    static Conv2d conv(int in, int out, int pad, SplittableRandom r) {
        Conv2d c = Conv2d.of(in, out, 3, 1, pad, r);
        return new Conv2d(Conv2dSpec.of(1, pad), c.weight(), c.bias());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void mergingBatchNormAfterAndBeforeLinearLayersKeepsTheOutputs(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Model m = ModelBuilder.create("bn").input("x", 3, 10, 10)
                .then(conv(3, 4, 1, r)).then(randomBatchNorm(4, r)).then(new ReLU())
                .then(randomBatchNorm(4, r)).then(conv(4, 5, 0, r))          // BN before an unpadded conv
                .then(new ReLU()).then(new Flatten())
                .then(randomBatchNorm(5 * 8 * 8, r)).then(Linear.of(5 * 8 * 8, 6, r))   // BN1d before a Gemm
                .then(Linear.of(6, 3, r)).then(randomBatchNorm(3, r))          // BN after the last Gemm
                .build();
        Canonized c = new MergeBatchNorm().apply(Canonized.of(m));
        assertThat(c.model().nodes().stream().filter(n -> n.layer() instanceof BatchNorm)).isEmpty();
        assertThat(c.notes()).hasSize(4);
        Tensor x = Tensor.randn(r, 1f, 2, 3, 10, 10);
        Tensor expected = m.predict(x);
        float scale = Math.max(1f, expected.abs().max().item());
        assertThat(c.model().predict(x).maxAbsDiff(expected) / scale).as("seed %d", seed).isLessThan(1e-5f);
        // the original keeps its BatchNorm nodes and layers
        assertThat(m.nodes().stream().filter(n -> n.layer() instanceof BatchNorm)).hasSize(4);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void batchNormBeforeAPaddedConvIsNotMergedBecausePaddingBreaksTheAlgebra(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Model m = ModelBuilder.create("bn").input("x", 3, 6, 6).then(randomBatchNorm(3, r)).then(conv(3, 4, 1, r))
                .build();
        Canonized c = new MergeBatchNorm().apply(Canonized.of(m));
        assertThat(c.model().nodes().stream().filter(n -> n.layer() instanceof BatchNorm)).hasSize(1);
        assertThat(c.model()).isSameAs(m);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void resnetCanonizesToTheSameFunctionWithNormRulesOnItsAdds(long seed) {
        Model m = Architectures.create("resnet18", 3, 32, 10, seed);
        Canonized c = Canonizer.applyAll(Canonizer.auto(), Canonized.of(m));
        assertThat(c.model().nodes().stream().filter(n -> n.opType().equals("BatchNormalization"))).isEmpty();
        assertThat(c.model().nodes().stream().filter(n -> n.layer() instanceof Identity)).isEmpty();
        long adds = c.model().nodes().stream().filter(n -> n.opType().equals("Add")).count();
        assertThat(adds).isEqualTo(8);
        assertThat(c.rules().values().stream().filter(rule -> rule instanceof Norm).count()).isEqualTo(adds);
        Tensor x = Tensor.randn(new SplittableRandom(seed), 1f, 2, 3, 32, 32);
        Tensor expected = m.predict(x);
        float scale = Math.max(1f, expected.abs().max().item());
        assertThat(c.model().predict(x).maxAbsDiff(expected) / scale).isLessThan(1e-4f);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1})
    void foldingIdentityAndDropoutRewiresTheirReaders(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Model m = ModelBuilder.create("id").input("x", 4).then(Linear.of(4, 4, r)).then(new Identity())
                .then(new Dropout(0.5f)).then(new ReLU()).then(Linear.of(4, 2, r)).then(new Identity()).build();
        Canonized c = new FoldIdentity().apply(Canonized.of(m));
        List<String> ops = c.model().nodes().stream().map(Node::opType).toList();
        // the last Identity writes the model output, so it stays
        assertThat(ops).containsExactly("Gemm", "Relu", "Gemm", "Identity");
        assertThat(c.model().node("relu1").inputs()).containsExactly("fc1");
        Tensor x = Tensor.randn(r, 1f, 3, 4);
        assertThat(c.model().predict(x).maxAbsDiff(m.predict(x))).isZero();
    }
}
