package org.lrp4j.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lrp4j.layers.LayerFixtures.c;
import static org.lrp4j.layers.LayerFixtures.f;
import static org.lrp4j.layers.LayerFixtures.infer;
import static org.lrp4j.layers.LayerFixtures.iota;
import static org.lrp4j.layers.LayerFixtures.p;
import static org.lrp4j.layers.LayerFixtures.t;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/** Bad inputs and parameters: the exception names the ONNX operator and the shapes involved. */
class LayerErrorTest {

    private static Variable zeros(int... dims) {
        return Variable.parameter(Tensor.zeros(dims));
    }

    private static final Linear LINEAR = new Linear(zeros(3, 4), zeros(3));
    private static final Conv2d CONV = new Conv2d(Conv2dSpec.of(1, 0), zeros(5, 2, 3, 3), zeros(5));

    @Test
    void linearRejectsInputWithWrongFeatureCount() {
        assertThatThrownBy(() -> infer(LINEAR, c(iota(10), 2, 5))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("Gemm").hasMessageContaining("[2, 5]").hasMessageContaining("[3, 4]");
        assertThatThrownBy(() -> infer(LINEAR, c(iota(8), 2, 4, 1))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("Gemm").hasMessageContaining("[2, 4, 1]");
    }

    @Test
    void convRejectsInputWithWrongChannels() {
        assertThatThrownBy(() -> infer(CONV, c(new float[75], 1, 3, 5, 5))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("Conv").hasMessageContaining("[1, 3, 5, 5]")
                .hasMessageContaining("[5, 2, 3, 3]");
        assertThatThrownBy(() -> infer(CONV, c(new float[50], 2, 5, 5))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("Conv").hasMessageContaining("[2, 5, 5]");
    }

    @Test
    void batchNormRejectsInputWithWrongChannels() {
        assertThatThrownBy(() -> infer(BatchNorm.of(3), c(new float[8], 2, 4))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("BatchNormalization").hasMessageContaining("[2, 4]")
                .hasMessageContaining("3");
        assertThatThrownBy(() -> infer(BatchNorm.of(3), c(new float[3], 3))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("BatchNormalization").hasMessageContaining("[3]");
    }

    @Test
    void recordConstructorsRejectBadParameterShapes() {
        assertThatThrownBy(() -> new Linear(zeros(3, 4), zeros(4))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("Gemm").hasMessageContaining("bias").hasMessageContaining("[3]")
                .hasMessageContaining("[4]");
        assertThatThrownBy(() -> new Linear(zeros(3, 4), zeros(3, 1))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("Gemm").hasMessageContaining("[3, 1]");
        assertThatThrownBy(() -> new Linear(zeros(3, 4, 1), null)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("Gemm").hasMessageContaining("[3, 4, 1]");
        assertThatThrownBy(() -> new Conv2d(Conv2dSpec.of(1, 0), zeros(5, 2, 3, 3), zeros(2)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("Conv").hasMessageContaining("bias")
                .hasMessageContaining("[5]").hasMessageContaining("[2]");
        assertThatThrownBy(() -> new Conv2d(Conv2dSpec.of(1, 0), zeros(5, 2, 3), null))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("Conv")
                .hasMessageContaining("[5, 2, 3]");
        assertThatThrownBy(() -> new BatchNorm(p(f(1, 1), 2), p(f(0, 0, 0), 3), t(f(0, 0), 2), t(f(1, 1), 2), 1e-5f,
                0.1f)).isInstanceOf(TensorShapeException.class).hasMessageContaining("BatchNormalization")
                .hasMessageContaining("bias").hasMessageContaining("[2]").hasMessageContaining("[3]");
        assertThatThrownBy(() -> new BatchNorm(p(f(1, 1), 2), p(f(0, 0), 2), t(f(0), 1), t(f(1, 1), 2), 1e-5f,
                0.1f)).isInstanceOf(TensorShapeException.class).hasMessageContaining("BatchNormalization")
                .hasMessageContaining("running mean").hasMessageContaining("[1]");
        assertThatThrownBy(() -> new BatchNorm(p(f(1, 1), 2), p(f(0, 0), 2), t(f(0, 0), 2), t(f(1, 1), 1, 2), 1e-5f,
                0.1f)).isInstanceOf(TensorShapeException.class).hasMessageContaining("BatchNormalization")
                .hasMessageContaining("running variance").hasMessageContaining("[1, 2]");
        assertThatThrownBy(() -> new BatchNorm(p(f(1, 1), 1, 2), p(f(0, 0), 2), t(f(0, 0), 2), t(f(1, 1), 2), 1e-5f,
                0.1f)).isInstanceOf(TensorShapeException.class).hasMessageContaining("BatchNormalization")
                .hasMessageContaining("scale").hasMessageContaining("[1, 2]");
    }

    @Test
    void withParametersRejectsUnknownNames() {
        assertThatThrownBy(() -> LINEAR.withParameters(Map.of("kernel", zeros(3, 4))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Gemm")
                .hasMessageContaining("kernel").hasMessageContaining("weight");
        assertThatThrownBy(() -> CONV.withParameters(Map.of("weight", zeros(5, 2, 3, 3), "gamma", zeros(5))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Conv")
                .hasMessageContaining("gamma");
        Conv2d noBias = new Conv2d(Conv2dSpec.of(1, 0), zeros(5, 2, 3, 3), null);
        assertThatThrownBy(() -> noBias.withParameters(Map.of("bias", zeros(5))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Conv").hasMessageContaining("bias");
        assertThatThrownBy(() -> BatchNorm.of(2).withParameters(Map.of("running_mean", zeros(2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BatchNormalization")
                .hasMessageContaining("running_mean");
        assertThatThrownBy(() -> new ReLU().withParameters(Map.of("weight", zeros(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Relu")
                .hasMessageContaining("weight");
        assertThat(new ReLU().withParameters(Map.of())).isEqualTo(new ReLU());
    }

    @Test
    void withParametersRejectsWrongShapes() {
        assertThatThrownBy(() -> LINEAR.withParameters(Map.of("weight", zeros(4, 3))))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("Gemm").hasMessageContaining("weight")
                .hasMessageContaining("[3, 4]").hasMessageContaining("[4, 3]");
        assertThatThrownBy(() -> LINEAR.withParameters(Map.of("bias", zeros(4))))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("Gemm").hasMessageContaining("bias")
                .hasMessageContaining("[3]").hasMessageContaining("[4]");
        assertThatThrownBy(() -> CONV.withParameters(Map.of("weight", zeros(5, 2, 1, 1))))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("Conv")
                .hasMessageContaining("[5, 2, 3, 3]").hasMessageContaining("[5, 2, 1, 1]");
        assertThatThrownBy(() -> BatchNorm.of(2).withParameters(Map.of("scale", zeros(3))))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("BatchNormalization")
                .hasMessageContaining("[2]").hasMessageContaining("[3]");
    }

    @Test
    void withParametersReplacesOnlyTheNamedOnes() {
        Variable w = zeros(3, 4);
        Linear l = LINEAR.withParameters(Map.of("weight", w));
        assertThat(l.weight()).isSameAs(w);
        assertThat(l.bias()).isSameAs(LINEAR.bias());
        assertThat(LINEAR.withParameters(Map.of())).isEqualTo(LINEAR);
        Variable b = zeros(5);
        Conv2d conv = CONV.withParameters(Map.of("bias", b));
        assertThat(conv.bias()).isSameAs(b);
        assertThat(conv.weight()).isSameAs(CONV.weight());
        assertThat(conv.spec()).isEqualTo(CONV.spec());
    }

    @Test
    void shapeLayersNameThemselves() {
        assertThatThrownBy(() -> infer(new Flatten(4), c(iota(6), 1, 2, 3))).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("Flatten").hasMessageContaining("[1, 2, 3]");
        assertThatThrownBy(() -> infer(new Reshape(new int[] {0, 0, 0, -1}), c(iota(6), 2, 3)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("Reshape")
                .hasMessageContaining("[2, 3]");
    }
}
