package org.lrp4j.svm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

class BowEncoderTest {

    @Test
    void hogPutsAStepEdgesGradientMagnitudeInTheBinOfItsDirection() {
        double[] vertical = new double[16];
        double[] horizontal = new double[16];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                vertical[y * 4 + x] = x >= 2 ? 1 : 0;
                horizontal[y * 4 + x] = y >= 2 ? 1 : 0;
            }
        }
        // per row (column): central differences 0.5 at the two middle pixels, 0 at the one-sided borders
        double[] v = BowEncoder.hog(vertical, 1, 4);
        double[] h = BowEncoder.hog(horizontal, 1, 4);
        assertThat(v).hasSize(BowConfig.BINS);
        assertThat(v[0]).isCloseTo(4 * (0.5 + 0.5), within(1e-12));
        assertThat(h[BowConfig.BINS / 4]).isCloseTo(4.0, within(1e-12));
        assertThat(Arrays.stream(v).sum()).isCloseTo(v[0], within(1e-12));
        assertThat(Arrays.stream(h).sum()).isCloseTo(h[BowConfig.BINS / 4], within(1e-12));
    }
}
