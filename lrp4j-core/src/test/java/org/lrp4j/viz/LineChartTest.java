package org.lrp4j.viz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class LineChartTest {

    static List<LineChart.Panel> panels() {
        double[] x = {0, 0.25, 0.5, 0.75, 1};
        LineChart.Series a = new LineChart.Series("lrp <eps>", x, new double[] {1, 0.6, 0.3, 0.2, 0.1},
                new double[] {0, 0.05, 0.05, 0.02, 0}, false);
        LineChart.Series b = new LineChart.Series("random", x, new double[] {1, 0.9, 0.7, 0.4, 0.1}, null, true);
        return List.of(new LineChart.Panel("MoRF", "fraction", "score", List.of(a, b)),
                new LineChart.Panel("LeRF", "fraction", "score", List.of(b, a)));
    }

    @Test
    void svgIsWellFormedWithOneLinePerSeriesABandPerStderrAndOneLegend() throws Exception {
        String svg = LineChart.svg("Pixel flipping", panels());
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getElementsByTagName("polyline").getLength()).isEqualTo(4);
        assertThat(doc.getElementsByTagName("polygon").getLength()).isEqualTo(2);
        assertThat(svg).contains("lrp &lt;eps&gt;").contains("stroke-dasharray").contains("MoRF").contains("LeRF");
        // the legend names each series once; the shared colour of a label is the same in both panels
        assertThat(svg.split(">random<", -1)).hasSize(2);
        // y ticks enclose the data and the bands: 0 .. 1 in steps of 0.2
        double[] t = LineChart.ticks(0.0, 1.05);
        assertThat(t).hasSize(7);
        assertThat(t[0]).isZero();
        assertThat(t[1]).isCloseTo(0.2, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(t[6]).isGreaterThanOrEqualTo(1.05);
    }

    @Test
    void pngHasTheLayoutSizeAtTwiceTheScale() {
        var img = LineChart.png("Pixel flipping", panels());
        String svg = LineChart.svg("Pixel flipping", panels());
        int width = Integer.parseInt(svg.replaceAll("(?s).*?width=\"(\\d+)\".*", "$1"));
        assertThat(img.getWidth()).isEqualTo(2 * width);
        // something other than white was drawn in the plot area
        boolean ink = false;
        for (int y = 100; y < img.getHeight() - 100 && !ink; y++) {
            for (int x = 150; x < 700 && !ink; x++) {
                ink = (img.getRGB(x, y) & 0xffffff) != 0xffffff;
            }
        }
        assertThat(ink).isTrue();
    }
}
