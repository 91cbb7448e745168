package org.lrp4j.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.lrp4j.viz.LineChart;

class FlipReportTest {

    static List<FlipCurve> curves() {
        double[] x = {0, 0.5, 1};
        List<FlipCurve> out = new ArrayList<>();
        for (String m : List.of("lrp:alpha_beta(2,1)", "random")) {
            out.add(FlipCurve.of(m, Order.MORF, x, new double[][] {{4, 1, 0}, {2, 1, 0}}, false));
            out.add(FlipCurve.of(m, Order.LERF, x, new double[][] {{4, 3, 0}, {2, 3, 0}}, false));
            out.add(FlipCurve.of(m, Order.RANDOM, x, new double[][] {{4, 2, 0}, {2, 2, 0}}, false));
        }
        return out;
    }

    @Test
    void markdownHasTheMetricsPerOrderAndTheGaps() {
        String md = FlipReport.markdown(curves());
        // MoRF mean curve 3, 1, 0: AUC = 0.5 * (3 + 1) / 2 + 0.5 * (1 + 0) / 2 = 1.25; LeRF 3, 3, 0: 2.25; random 1.75
        assertThat(md).contains("| lrp:alpha_beta(2,1) | 1.250 ± 0.2500 | 1.667 | 2.250 ± 0.2500 | 1.000 | 1.750 ± 0.2500"
                + " | 1.333 | 1.000 | -0.5000 |");
        assertThat(md.lines().count()).isEqualTo(4);
    }

    @Test
    void csvHasOneRowPerPointAndJsonTheNamedFields() {
        List<FlipCurve> c = curves();
        assertThat(FlipReport.csv(c).lines().count()).isEqualTo(1 + 6 * 3);
        assertThat(FlipReport.csv(c)).contains("\"lrp:alpha_beta(2,1)\",morf,1,0.5,1.0,0.0,2");
        String json = FlipReport.json(c.get(0), Score.PROB, true);
        assertThat(json).startsWith("{\"method\":\"lrp:alpha_beta(2,1)\",\"order\":\"morf\",\"score\":\"prob\","
                + "\"normalized\":true,\"images\":2,\"auc\":1.25,");
        assertThat(json).contains("\"fractions\":[0.0,0.5,1.0]", "\"curve\":[3.0,1.0,0.0]", "\"stderr\":[1.0,0.0,0.0]");
    }

    @Test
    void theRandomOrderIsDrawnOnceInEachOtherPanel() {
        List<LineChart.Panel> panels = FlipReport.panels(curves(), Score.LOGIT, false);
        assertThat(panels).hasSize(2);
        for (LineChart.Panel p : panels) {
            assertThat(p.series()).extracting(LineChart.Series::label)
                    .containsExactly("lrp:alpha_beta(2,1)", "random", "random order");
        }
        List<LineChart.Panel> only = FlipReport.panels(curves().stream().filter(c -> c.order() == Order.RANDOM)
                .toList(), Score.LOGIT, false);
        assertThat(only).hasSize(1);
        assertThat(only.get(0).title()).isEqualTo("random order");
    }
}
