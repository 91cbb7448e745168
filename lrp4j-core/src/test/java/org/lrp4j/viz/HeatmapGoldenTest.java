package org.lrp4j.viz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.tensor.Tensor;

/**
 * Golden tests: a fixed relevance array rendered with each colour map, written as PNG and read back, gives
 * exactly the RGB values computed by hand from the control points in {@link ColorMap}.
 */
class HeatmapGoldenTest {

    @TempDir
    Path dir;

    /** v = R / max|R| = -1, -0.5, 0, 0.25, 0.6, 1 (R = -4, -2, 0, 1, 2.4, 4), laid out as [1, 2, 3]. */
    static final float[] R = {-4f, -2f, 0f, 1f, 2.4f, 4f};

    /** v = -1, -0.6, -0.2, 0, 0.22, 1 for red-blue (control points every 0.2; 0.22 interpolates). */
    static final float[] R_RED_BLUE = {-5f, -3f, -1f, 0f, 1.1f, 5f};

    static int[] rgb(int... triples) {
        int[] out = new int[triples.length / 3];
        for (int i = 0; i < out.length; i++) {
            out[i] = (triples[3 * i] << 16) | (triples[3 * i + 1] << 8) | triples[3 * i + 2];
        }
        return out;
    }

    int[] renderedPixels(float[] relevance, ColorMap map) throws Exception {
        Tensor r = Tensor.wrap(relevance.clone(), 1, 2, 3);
        BufferedImage img = Heatmap.render(r, null, Heatmap.Style.defaults().withPercentile(100f).withColorMap(map).withMinSize(1));
        Path png = dir.resolve(map.id() + ".png");
        Heatmap.writePng(img, png);
        BufferedImage back = ImageIO.read(png.toFile());
        assertThat(back.getWidth()).isEqualTo(3);
        assertThat(back.getHeight()).isEqualTo(2);
        int[] px = new int[6];
        for (int i = 0; i < 6; i++) {
            px[i] = back.getRGB(i % 3, i / 3) & 0xffffff;
        }
        return px;
    }

    @Test
    void bwr() throws Exception {
        // blue -> white -> red; -0.5: halfway blue-white (127.5 rounds to 128); 0.25: 255 - 63.75; 0.6: 255 - 153
        assertThat(renderedPixels(R, ColorMap.BWR)).containsExactly(rgb(0, 0, 255, 128, 128, 255, 255, 255, 255,
                255, 191, 191, 255, 102, 102, 255, 0, 0));
    }

    @Test
    void seismic() throws Exception {
        // (0,0,77) -1, blue -0.5, white 0, red 0.5, (128,0,0) 1; 0.25 halfway white-red; 0.6: 255 - 0.2 * 127
        assertThat(renderedPixels(R, ColorMap.SEISMIC)).containsExactly(rgb(0, 0, 77, 0, 0, 255, 255, 255, 255,
                255, 128, 128, 230, 0, 0, 128, 0, 0));
    }

    @Test
    void coldnhot() throws Exception {
        // cyan -1, blue -0.5, black 0, red 1/3, yellow 2/3, white 1; 0.25: 0.75 of black-red; 0.6: 0.8 of red-yellow
        assertThat(renderedPixels(R, ColorMap.COLDNHOT)).containsExactly(rgb(0, 255, 255, 0, 0, 255, 0, 0, 0,
                191, 0, 0, 255, 204, 0, 255, 255, 255));
    }

    @Test
    void redBlue() throws Exception {
        // RdBu_r control points; 0.22 is 0.1 of the way from 0.2 (253,219,199) to 0.4 (244,165,130):
        // 253 - 0.9, 219 - 5.4, 199 - 6.9
        assertThat(renderedPixels(R_RED_BLUE, ColorMap.RED_BLUE)).containsExactly(rgb(5, 48, 97, 67, 147, 195,
                209, 229, 240, 247, 247, 247, 252, 214, 192, 103, 0, 31));
    }

    @Test
    void hotShowsPositiveRelevanceOnly() throws Exception {
        // negative values are clipped to 0 (black); 0.25: 0.75 of black-red; 0.6: 0.8 of red-yellow
        assertThat(renderedPixels(R, ColorMap.HOT)).containsExactly(rgb(0, 0, 0, 0, 0, 0, 0, 0, 0, 191, 0, 0, 255,
                204, 0, 255, 255, 255));
    }

    @Test
    void grayShowsPositiveRelevanceOnly() throws Exception {
        assertThat(renderedPixels(R, ColorMap.GRAY)).containsExactly(rgb(0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 64, 64,
                153, 153, 153, 255, 255, 255));
    }

    @Test
    void channelsAreSummedBeforeNormalising() throws Exception {
        // two channels that cancel in pixel 0 and add up in pixel 1: sum = 0, 4 -> white, red
        Tensor r = Tensor.wrap(new float[] {1f, 1f, -1f, 3f}, 2, 1, 2);
        BufferedImage img = Heatmap.render(r, null, Heatmap.Style.defaults().withPercentile(100f).withMinSize(1));
        assertThat(img.getRGB(0, 0) & 0xffffff).isEqualTo(0xffffff);
        assertThat(img.getRGB(1, 0) & 0xffffff).isEqualTo(0xff0000);
    }

    @Test
    void percentileClipsTheLargestValues() {
        // |R| = 0, 1, 2, 3, 100: the 50th percentile is 2, so 3 and 100 saturate
        float[] v = Heatmap.normalise(new float[] {0f, -1f, 2f, 3f, 100f}, 50f);
        assertThat(v).containsExactly(0f, -0.5f, 1f, 1f, 1f);
        assertThat(Heatmap.scale(new float[] {0f, -1f, 2f, 3f, 100f}, 100f)).isEqualTo(100f);
        // 75th percentile: rank 3 -> 3; 62.5th: rank 2.5 -> 2.5
        assertThat(Heatmap.scale(new float[] {0f, -1f, 2f, 3f, 100f}, 62.5f)).isEqualTo(2.5f);
        assertThat(Heatmap.normalise(new float[] {0f, 0f}, 100f)).containsExactly(0f, 0f);
    }

    @Test
    void overlayBlendsOverTheGrayInput() throws Exception {
        // pixel 0: v = 1 (red) over gray 0.2: 0.15 * 51 + 0.85 * 255 = 224.4 -> 224; g, b: 0.15 * 51 = 7.65 -> 8
        // pixel 1: v = 0 -> the image itself, 0.6 * 255 = 153
        // pixel 2: v = -0.5 (128,128,255), a = 0.425, over gray 1: 0.575 * 255 + 0.425 * 128 = 201.025 -> 201
        Tensor r = Tensor.wrap(new float[] {2f, 0f, -1f}, 1, 1, 3);
        Tensor image = Tensor.wrap(new float[] {0.2f, 0.6f, 1f}, 1, 1, 3);
        BufferedImage img = Heatmap.render(r, image, Heatmap.Style.defaults().withPercentile(100f).withOverlay(true).withMinSize(1));
        assertThat(img.getRGB(0, 0) & 0xffffff).isEqualTo(rgb(224, 8, 8)[0]);
        assertThat(img.getRGB(1, 0) & 0xffffff).isEqualTo(rgb(153, 153, 153)[0]);
        assertThat(img.getRGB(2, 0) & 0xffffff).isEqualTo(rgb(201, 201, 255)[0]);
        // an RGB input is blended through its luminance: (1, 0, 0) -> 0.299 -> 76
        Tensor red = Tensor.wrap(new float[] {1f, 0f, 0f}, 3, 1, 1);
        BufferedImage one = Heatmap.render(Tensor.zeros(1, 1, 1), red, Heatmap.Style.defaults().withPercentile(100f).withOverlay(true)
                .withMinSize(1));
        assertThat(one.getRGB(0, 0) & 0xffffff).isEqualTo(rgb(76, 76, 76)[0]);
    }

    @Test
    void smallHeatmapsAreEnlargedByAnIntegerFactorNearestNeighbour() {
        float[] r = new float[28 * 28];
        r[0] = 1f;
        BufferedImage img = Heatmap.render(Tensor.wrap(r, 1, 28, 28), null, Heatmap.Style.defaults().withPercentile(100f));
        assertThat(img.getWidth()).isEqualTo(112);
        assertThat(img.getHeight()).isEqualTo(112);
        assertThat(img.getRGB(3, 3) & 0xffffff).isEqualTo(0xff0000);
        assertThat(img.getRGB(4, 0) & 0xffffff).isEqualTo(0xffffff);
        assertThat(Heatmap.factor(224, 224, 112)).isEqualTo(1);
        assertThat(Heatmap.factor(30, 40, 112)).isEqualTo(4);
    }

    @Test
    void colorBarRunsFromPlusOneAtTheTopToMinusOneAtTheBottom() {
        BufferedImage img = Heatmap.render(Tensor.wrap(new float[] {1f, -1f, 0f, 0f}, 1, 2, 2), null,
                Heatmap.Style.defaults().withPercentile(100f).withMinSize(100).withColorBar(true));
        assertThat(img.getHeight()).isEqualTo(100);
        assertThat(img.getWidth()).isGreaterThanOrEqualTo(100 + Heatmap.BAR_GAP + Heatmap.BAR_WIDTH);
        int x = 100 + Heatmap.BAR_GAP + 1;
        assertThat(img.getRGB(x, 0) & 0xffffff).isEqualTo(0xff0000);
        assertThat(img.getRGB(x, 99) & 0xffffff).isEqualTo(0x0000ff);
    }

    @Test
    void gridPutsPanelsInRowsWithTitles() {
        BufferedImage a = Heatmap.render(Tensor.ones(1, 28, 28), null, Heatmap.Style.defaults().withPercentile(100f));
        BufferedImage g = Grid.layout(List.of(new Grid.Panel("epsilon-plus-flat", a), new Grid.Panel("b\nsecond", a),
                new Grid.Panel("c", a)), 2);
        assertThat(g.getWidth()).isGreaterThanOrEqualTo(2 * 112 + 3 * Grid.PAD);
        assertThat(g.getHeight()).isGreaterThanOrEqualTo(2 * 112 + 3 * Grid.PAD);
        assertThat(Text.available()).isTrue();
    }

    @Test
    void theDefaultStyleClipsAtThe99thPercentile() {
        float[] r = new float[1000];
        for (int i = 0; i < r.length; i++) {
            r[i] = i < 995 ? 0.5f : 100f;
        }
        // five outliers of 1000 values: the 99th percentile is 0.5, so the ordinary values get full colour
        BufferedImage img = Heatmap.render(Tensor.wrap(r, 1, 10, 100), null, Heatmap.Style.defaults().withMinSize(1));
        assertThat(img.getRGB(0, 0) & 0xffffff).isEqualTo(0xff0000);
        assertThat(Heatmap.Style.defaults().percentile()).isEqualTo(99f);
    }

    @Test
    void colorMapNamesAndBadOptions() {
        assertThat(ColorMap.NAMES).containsExactly("bwr", "seismic", "coldnhot", "red-blue", "hot", "gray");
        assertThat(ColorMap.parse("Red-Blue")).isEqualTo(ColorMap.RED_BLUE);
        assertThatThrownBy(() -> ColorMap.parse("jet")).hasMessageContaining("unknown colour map 'jet'");
        assertThatThrownBy(() -> Heatmap.Style.defaults().withPercentile(0f)).hasMessageContaining("percentile");
        assertThatThrownBy(() -> Heatmap.render(Tensor.zeros(2, 1, 2, 2), null, Heatmap.Style.defaults().withPercentile(100f)))
                .hasMessageContaining("one image");
    }
}
