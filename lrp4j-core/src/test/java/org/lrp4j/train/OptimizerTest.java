package org.lrp4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

class OptimizerTest {

    @Test
    void sgdWithMomentumAndWeightDecayFollowsPyTorchsUpdate() {
        Variable p = Variable.parameter(Tensor.of(new float[] {1f}, 1));
        Sgd sgd = new Sgd(List.of(p), 0.1f, 0.9f, 0.01f);
        // loss = 2p -> grad 2
        Ops.sum(Ops.mul(p, 2f)).backward();
        sgd.step();                 // g = 2 + 0.01*1 = 2.01; buf = 2.01; p = 1 - 0.201 = 0.799
        assertThat(p.value().item()).isCloseTo(0.799f, offset(1e-6f));
        sgd.zeroGrad();
        Ops.sum(Ops.mul(p, 2f)).backward();
        sgd.step();                 // g = 2 + 0.00799 = 2.00799; buf = 0.9*2.01 + 2.00799 = 3.81699; p -= 0.381699
        assertThat(p.value().item()).isCloseTo(0.799f - 0.381699f, offset(1e-5f));
    }

    @Test
    void adamsFirstStepMovesEachParameterByTheLearningRateAgainstTheGradientSign() {
        Variable p = Variable.parameter(Tensor.of(new float[] {1f, -2f, 3f}, 3));
        Adam adam = new Adam(List.of(p), 0.01f);
        Ops.sum(Ops.mul(p, Variable.constant(Tensor.of(new float[] {5f, -0.1f, 0f}, 3)))).backward();
        adam.step();
        assertThat(p.value().getFlat(0)).isCloseTo(0.99f, offset(1e-6f));
        assertThat(p.value().getFlat(1)).isCloseTo(-1.99f, offset(1e-6f));
        assertThat(p.value().getFlat(2)).isEqualTo(3f);
    }

    @Test
    void adamMinimisesAQuadratic() {
        Variable p = Variable.parameter(Tensor.of(new float[] {4f, -3f}, 2));
        Adam adam = new Adam(List.of(p), 0.1f);
        for (int i = 0; i < 500; i++) {
            adam.zeroGrad();
            Ops.sum(Ops.square(Ops.add(p, -1f))).backward();
            adam.step();
        }
        assertThat(p.value().toArray()).containsExactly(new float[] {1f, 1f}, offset(1e-2f));
    }

    @Test
    void parametersWithoutGradientsAreLeftAlone() {
        Variable used = Variable.parameter(Tensor.ones(1));
        Variable unused = Variable.parameter(Tensor.ones(1));
        Sgd sgd = new Sgd(List.of(used, unused), 0.5f, 0f, 0f);
        Ops.sum(used).backward();
        sgd.step();
        assertThat(used.value().item()).isEqualTo(0.5f);
        assertThat(unused.value().item()).isEqualTo(1f);
    }

    @Test
    void badHyperParametersAreRejected() {
        assertThatThrownBy(() -> new Sgd(List.of(), 0f, 0.9f, 0f)).hasMessageContaining("sgd");
        assertThatThrownBy(() -> new Adam(List.of(), 0.1f, 1f, 0.999f, 1e-8f, 0f)).hasMessageContaining("adam");
    }
}
