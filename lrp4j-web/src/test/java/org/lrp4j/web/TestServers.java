package org.lrp4j.web;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;

/** A small seeded CNN for 28 x 28 gray images and generated sample PNGs, served on a free port. */
final class TestServers {
    private TestServers() {
    }

    static final List<String> CLASSES = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine");

    static Model model() {
        return Architectures.create("cnn", 1, 28, 10, 3);
    }

    static byte[] png(int seed) throws IOException {
        BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int y = 4; y < 24; y++) {
            for (int x = 6; x < 22; x++) {
                g.getRaster().setSample(x, y, 0, 80 + r.nextInt(170));
            }
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(g, "png", b);
        return b.toByteArray();
    }

    static Workspace workspace(Limits limits) throws IOException {
        List<Workspace.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            samples.add(new Workspace.Sample(i, "sample-" + i + ".png", i, png(i)));
        }
        return new Workspace("test cnn", model(), CLASSES, samples, limits);
    }

    static WebServer start(Limits limits) throws IOException {
        return WebServer.start(workspace(limits), limits, "127.0.0.1", 0);
    }
}
