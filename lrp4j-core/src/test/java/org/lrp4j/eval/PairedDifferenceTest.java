package org.lrp4j.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class PairedDifferenceTest {

    private static PixelFlipping.Result result(double[][] a, double[][] b) {
        return new PixelFlipping.Result(List.of("a", "b"), List.of(Order.MORF), new double[] {0, 0.5, 1},
                new int[a.length], Map.of("a", Map.of(Order.MORF, a), "b", Map.of(Order.MORF, b)), Score.LOGIT, 4);
    }

    @Test
    void theMeanOfPerImageDifferencesAndItsStandardErrorFollowTheirFormulas() {
        // AUCs by the trapezoid rule over (0, 0.5, 1): a: 2, 1.25, 0.5; b: 2.5, 1, 1.5 -> differences -0.5, 0.25, -1
        double[][] a = {{2, 2, 2}, {2, 1, 1}, {1, 0.5, 0}};
        double[][] b = {{3, 2, 3}, {1, 1, 1}, {2, 1, 2}};
        PairedDifference d = PairedDifference.of(result(a, b), "a", "b", Order.MORF, false);
        double mean = (-0.5 + 0.25 - 1) / 3;
        double var = (Math.pow(-0.5 - mean, 2) + Math.pow(0.25 - mean, 2) + Math.pow(-1 - mean, 2)) / 2;
        assertThat(d.meanDifference()).isCloseTo(mean, within(1e-12));
        assertThat(d.stderr()).isCloseTo(Math.sqrt(var / 3), within(1e-12));
        assertThat(d.lower()).isEqualTo(2);
        assertThat(d.images()).isEqualTo(3);
        assertThat(d.t()).isCloseTo(mean / Math.sqrt(var / 3), within(1e-9));
        // the mean of the pairs is the difference of the summaries' AUCs
        double auc = FlipCurve.of("a", Order.MORF, new double[] {0, 0.5, 1}, a, false).auc()
                - FlipCurve.of("b", Order.MORF, new double[] {0, 0.5, 1}, b, false).auc();
        assertThat(d.meanDifference()).isCloseTo(auc, within(1e-12));
    }

    @Test
    void normalisedDifferencesDivideEachCurveByItsUnperturbedScore() {
        double[][] a = {{2, 2, 2}, {4, 2, 0}};
        double[][] b = {{2, 1, 0}, {4, 4, 4}};
        PairedDifference d = PairedDifference.of(result(a, b), "a", "b", Order.MORF, true);
        // normalised AUCs: a 1, 0.5; b 0.5, 1 -> differences 0.5, -0.5
        assertThat(d.meanDifference()).isCloseTo(0, within(1e-12));
        assertThat(d.stderr()).isCloseTo(0.5, within(1e-12));
        PairedDifference same = PairedDifference.of(result(a, a), "a", "b", Order.MORF, true);
        assertThat(same.stderr()).isZero();
        assertThat(same.t()).isNaN();
    }
}
