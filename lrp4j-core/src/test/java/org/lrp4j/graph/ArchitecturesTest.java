package org.lrp4j.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

class ArchitecturesTest {

    @Test
    void cnnHasTheDocumentedLayersAndParameterCount() {
        Model m = Architectures.create("cnn", 1, 28, 10, 1);
        assertThat(m.nodes()).extracting(Node::opType).containsExactly("Conv", "Relu", "MaxPool", "Conv", "Relu",
                "MaxPool", "Flatten", "Gemm", "Relu", "Gemm");
        long expected = (16 * 9 + 16) + (32 * 16 * 9 + 32) + (1568 * 64 + 64) + (64 * 10 + 10);
        assertThat(m.parameterCount()).isEqualTo(expected);
        assertThat(m.predict(Tensor.zeros(3, 1, 28, 28)).shape()).isEqualTo(Shape.of(3, 10));
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        Tensor w1 = Architectures.create("small-cnn", 1, 28, 10, 5).parameter("conv1", "weight").value();
        Tensor w2 = Architectures.create("small-cnn", 1, 28, 10, 5).parameter("conv1", "weight").value();
        Tensor w3 = Architectures.create("small-cnn", 1, 28, 10, 6).parameter("conv1", "weight").value();
        assertThat(w1.maxAbsDiff(w2)).isZero();
        assertThat(w1.maxAbsDiff(w3)).isPositive();
        // PyTorch's default bound 1/sqrt(fan_in) = 1/3 for a 1-channel 3x3 kernel
        assertThat(w1.abs().max().item()).isLessThanOrEqualTo(1f / 3f);
    }

    @Test
    void unknownArchitectureListsTheKnownOnes() {
        assertThatThrownBy(() -> Architectures.create("resnet9000", 1, 28, 10, 1))
                .hasMessageContaining("resnet9000").hasMessageContaining("cnn");
    }

    @Test
    void torchvisionArchitecturesHaveTorchvisionsParameterCounts() {
        // the counts torchvision reports (sum of p.numel() over model.parameters()) for 1000 classes
        assertThat(Architectures.create("vgg16", 3, 224, 1000, 1).parameterCount()).isEqualTo(138_357_544L);
        assertThat(Architectures.create("resnet18", 3, 224, 1000, 1).parameterCount()).isEqualTo(11_689_512L);
        assertThat(Architectures.create("resnet50", 3, 224, 1000, 1).parameterCount()).isEqualTo(25_557_032L);
        assertThat(Architectures.create("vgg16-bn", 3, 224, 1000, 1).parameterCount()).isEqualTo(138_365_992L);
    }

    @Test
    void resnet18RunsOnSmallImagesAndHasResidualAdds() {
        Model m = Architectures.create("resnet18", 3, 64, 10, 1);
        assertThat(m.nodes().stream().filter(n -> n.opType().equals("Add")).count()).isEqualTo(8);
        assertThat(m.predict(Tensor.randn(new java.util.SplittableRandom(1), 1f, 2, 3, 64, 64)).shape())
                .isEqualTo(Shape.of(2, 10));
    }
}
