package org.lrp4j.viz;

import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.Preprocessing;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.composites.Composites;

/** The image-to-heatmap example proposed for README.md, verbatim between the markers. */
class ReadmeHeatmapExampleTest {

    @TempDir
    Path dir;

    @Test
    void imageToHeatmapExample() throws Exception {
        Model model = Architectures.create("cnn", 1, 28, 10, 1);
        BufferedImage photo = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        photo.setRGB(30, 20, 0xffffff);
        Path shoe = dir.resolve("shoe.jpg");
        ImageIO.write(photo, "jpg", shoe.toFile());
        Path out = dir.resolve("shoe-lrp.png");
        // --- README begin
        Preprocessing pipeline = Preprocessing.fashionMnist();         // or imagenet(), none(), builder("imagenet")...
        ImageBatch batch = pipeline.load(List.of(shoe), 1);              // files or folders, for a 1-channel model
        Explanation e = Explainer.lrp(model, Composites.epsilonGammaBox(batch.bounds().low(), batch.bounds().high()))
                .explain(batch.input(), Targets.predicted());
        Heatmap.Style style = Heatmap.Style.defaults().withColorMap(ColorMap.SEISMIC).withOverlay(true);
        Heatmap.writePng(Heatmap.render(e.attribution().select(0), batch.image(0), style), out);
        // --- README end
        BufferedImage written = ImageIO.read(out.toFile());
        assertThat(written.getWidth()).isEqualTo(112);
        assertThat(written.getHeight()).isEqualTo(112);
    }
}
