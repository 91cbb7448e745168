package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.ImageFormatException;
import org.lrp4j.image.Preprocessing;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The two mixins in a command shaped like {@code explain}: images in, LRP, heatmaps out. */
class ImageHeatmapOptionsTest {

    @Command(name = "probe")
    static final class Probe implements Callable<Integer> {
        @Mixin
        ImageInputOptions images;
        @Mixin
        HeatmapOutputOptions heatmaps;
        @Option(names = "--target", defaultValue = "pred")
        String target;
        Model model;
        ImageBatch batch;
        List<Path> written = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            batch = images.load(model);
            Explanation e = LrpExplainer.builder(model, Composites.epsilonGammaBox(batch.bounds().low(),
                    batch.bounds().high())).build().explain(batch.input(), Targets.parse(target));
            written = heatmaps.write(e, List.of(), batch);
            return 0;
        }
    }

    @TempDir
    Path dir;
    Model gray;
    Model rgb;
    Path photo;
    Path grayPng;

    @BeforeEach
    void setUp() throws Exception {
        gray = Architectures.create("cnn", 1, 28, 10, 3);
        rgb = Architectures.create("cnn", 3, 32, 4, 3);
        BufferedImage img = new BufferedImage(60, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 60; x++) {
                img.setRGB(x, y, (x * 4) << 16 | (y * 6) << 8 | 0x40);
            }
        }
        photo = dir.resolve("photo.jpg");
        ImageIO.write(img, "jpg", photo.toFile());
        BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(10, 10, 0, 200);
        grayPng = dir.resolve("shoe.png");
        ImageIO.write(g, "png", grayPng.toFile());
    }

    /** Parses and runs the probe; exceptions come out as the command threw them. */
    Probe run(Model model, String... args) throws Exception {
        Probe p = new Probe();
        p.model = model;
        new CommandLine(p).parseArgs(args);
        assertThat(p.call()).isZero();
        return p;
    }

    @Test
    void autoPresetFollowsTheModelInput() throws Exception {
        Probe p = run(gray, "--image", photo.toString(), grayPng.toString(), "--heatmap", dir.resolve("h.png").toString());
        assertThat(p.batch.pipeline().name()).isEqualTo("fashion-mnist");
        assertThat(p.batch.input().dims()).containsExactly(2, 1, 28, 28);
        assertThat(p.batch.bounds().low().getFlat(0)).isEqualTo((0f - 0.2860f) / 0.3530f);
        // several images: each heatmap named after its image file
        assertThat(p.written).containsExactly(dir.resolve("h-photo.png"), dir.resolve("h-shoe.png"));
        assertThat(ImageIO.read(dir.resolve("h-photo.png").toFile()).getWidth()).isEqualTo(112);

        // an RGB model of another size: none, resized and cropped to 32x32; the gray PNG is replicated
        Probe q = run(rgb, "--image", grayPng.toString(), "--heatmap", dir.resolve("one.png").toString(),
                "--overlay", "--colorbar", "--colormap", "seismic");
        assertThat(q.batch.input().dims()).containsExactly(1, 3, 32, 32);
        assertThat(q.written).containsExactly(dir.resolve("one.png"));
        assertThat(ImageIO.read(dir.resolve("one.png").toFile()).getWidth()).isGreaterThan(128);
    }

    @Test
    void anExistingFolderAsHeatmapGetsOneFileNamedAfterEachImage() throws Exception {
        Path folder = dir.resolve("maps");
        Files.createDirectories(folder);
        Probe p = run(gray, "--image", grayPng.toString(), photo.toString(), "--heatmap", folder.toString());
        assertThat(p.written).containsExactly(folder.resolve("shoe.png"), folder.resolve("photo.png"));
        assertThat(dir.resolve("maps.png")).doesNotExist();
    }

    @Test
    void explicitSettingsOverrideThePreset() throws Exception {
        Probe p = new Probe();
        new CommandLine(p).parseArgs("--image", "x.png", "--preprocess", "imagenet", "--resize", "40", "--crop",
                "32x30", "--mean", "0.5", "--std", "0.5,0.25,0.125");
        Preprocessing pp = p.images.pipeline((int[]) null);
        assertThat(pp.resize()).isEqualTo(40);
        assertThat(pp.cropHeight()).isEqualTo(32);
        assertThat(pp.cropWidth()).isEqualTo(30);
        assertThat(pp.mean()).containsExactly(0.5f);
        assertThat(pp.std()).containsExactly(0.5f, 0.25f, 0.125f);
        assertThat(pp.bounds().high().toArray()).containsExactly(1f, 2f, 4f);
    }

    @Test
    void allTargetsWriteOneHeatmapPerClassNamedByTheLabelsFile() throws Exception {
        Path labels = dir.resolve("labels.txt");
        Files.writeString(labels, "T-shirt/top\nTrouser\nPullover\nDress\nCoat\nSandal\nShirt\nSneaker\nBag\n"
                + "Ankle boot\n");
        Path out = dir.resolve("all/r.png");
        Probe p = run(gray, "--image", grayPng.toString(), "--target", "all", "--heatmap", out.toString(),
                "--labels", labels.toString());
        assertThat(p.written).hasSize(10);
        assertThat(out.resolveSibling("r-0-T-shirt_top.png")).isRegularFile();
        assertThat(out.resolveSibling("r-9-Ankle_boot.png")).isRegularFile();

        Path grid = dir.resolve("grid/g.png");
        Probe q = run(gray, "--image", grayPng.toString(), photo.toString(), "--target", "all", "--heatmap",
                grid.toString(), "--grid", "--labels", labels.toString());
        assertThat(q.written).containsExactly(grid.resolveSibling("g-shoe.png"), grid.resolveSibling("g-photo.png"));
        BufferedImage g = ImageIO.read(grid.resolveSibling("g-shoe.png").toFile());
        assertThat(g.getWidth()).isGreaterThan(5 * 112);
        assertThat(g.getHeight()).isGreaterThan(2 * 112);

        Path images = dir.resolve("grid2/g.png");
        Probe r = run(gray, "--image", grayPng.toString(), photo.toString(), "--heatmap", images.toString(), "--grid");
        assertThat(r.written).containsExactly(images);
        try (Stream<Path> s = Files.list(images.getParent())) {
            assertThat(s.count()).isEqualTo(1);
        }
    }

    @Test
    void badInputsGiveClearErrors() throws Exception {
        Path text = dir.resolve("notes.png");
        Files.writeString(text, "hello");
        assertThatThrownBy(() -> run(gray, "--image", text.toString())).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("is not an image");
        assertThatThrownBy(() -> run(gray, "--image", photo.toString(), "--preprocess", "none"))
                .isInstanceOf(ImageFormatException.class)
                .hasMessage("the images are 60x40 after preprocessing 'none' but the model takes 28x28; choose"
                        + " --preprocess or --resize/--crop");
        assertThatThrownBy(() -> run(rgb, "--image", photo.toString(), "--gray"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preprocessing 'none+custom' gives 1 channel(s) but the model takes 3; add --rgb");
        assertThatThrownBy(() -> run(rgb, "--image", photo.toString(), "--preprocess", "fashion-mnist"))
                .hasMessage("preprocessing 'fashion-mnist' gives 1 channel(s) but the model takes 3; add --rgb");
        assertThatThrownBy(() -> run(gray, "--image", photo.toString(), "--crop", "abc"))
                .hasMessageContaining("--crop 'abc' must be N or HxW");
        assertThatThrownBy(() -> run(gray, "--image", photo.toString(), "--gray", "--rgb"))
                .hasMessageContaining("not both");
        assertThatThrownBy(() -> run(gray, "--image", dir.resolve("missing.png").toString()))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> run(gray, "--image", empty.toString())).hasMessageContaining("holds no images");
        Path labels = dir.resolve("few.txt");
        Files.writeString(labels, "a\nb\n");
        assertThatThrownBy(() -> run(gray, "--image", grayPng.toString(), "--heatmap", dir.resolve("x.png").toString(),
                "--labels", labels.toString())).hasMessageContaining("has 2 names but the model has 10 classes");
        assertThatThrownBy(() -> run(gray, "--image", grayPng.toString(), "--heatmap", dir.resolve("x.png").toString(),
                "--colormap", "jet")).hasMessageContaining("unknown colour map");
    }
}
