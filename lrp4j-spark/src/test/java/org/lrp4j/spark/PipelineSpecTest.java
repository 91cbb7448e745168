package org.lrp4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.lrp4j.image.Preprocessing;

class PipelineSpecTest {

    @Test
    void explainsPreprocessingOverridesApplyAfterThePreset() {
        Preprocessing p = ExplainJob.pipeline("imagenet;resize=40;crop=32x30;mean=0.5;std=0.5,0.25,0.125",
                new int[] {3, 32, 30});
        assertThat(p.resize()).isEqualTo(40);
        assertThat(p.cropHeight()).isEqualTo(32);
        assertThat(p.cropWidth()).isEqualTo(30);
        assertThat(p.mean()).containsExactly(0.5f);
        assertThat(p.std()).containsExactly(0.5f, 0.25f, 0.125f);
        assertThat(ExplainJob.pipeline("auto", new int[] {1, 28, 28}).name()).isEqualTo("fashion-mnist");
        assertThat(ExplainJob.pipeline("none;gray", new int[] {1, 28, 28}).channels()).isEqualTo(1);
        assertThatThrownBy(() -> ExplainJob.pipeline("auto;blur=3", new int[] {1, 28, 28}))
                .hasMessageContaining("unknown preprocessing step");
        assertThatThrownBy(() -> ExplainJob.pipeline("auto;resize=x", new int[] {1, 28, 28}))
                .hasMessageContaining("not a number");
    }
}
