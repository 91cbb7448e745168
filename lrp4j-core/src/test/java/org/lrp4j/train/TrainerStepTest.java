package org.lrp4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/** {@link Trainer#step}, the step {@code fit} and {@code bench --method train} run, on a random batch. */
class TrainerStepTest {

    @Test
    void repeatedStepsOnOneBatchLowerItsLossAndReturnTheLogitsBeforeEachUpdate() {
        Model model = Architectures.create("cnn", 1, 28, 10, 3);
        SplittableRandom rng = new SplittableRandom(4);
        Tensor x = Tensor.randn(rng, 1f, 16, 1, 28, 28);
        int[] y = rng.ints(16, 0, 10).toArray();
        Adam adam = new Adam(model.parameters(), 2e-3f);
        Tensor before = model.predict(x);
        Trainer.Step first = Trainer.step(model, adam, x, y, rng);
        assertThat(first.logits().toArray()).containsExactly(before.toArray());
        assertThat(model.predict(x).toArray()).isNotEqualTo(before.toArray());
        float loss = first.loss();
        for (int i = 0; i < 20; i++) {
            loss = Trainer.step(model, adam, x, y, rng).loss();
        }
        assertThat(loss).isLessThan(first.loss() * 0.5f);
    }
}
