package org.lrp4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Shape;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.ImageFormatException;
import org.lrp4j.image.Preprocessing;

import picocli.CommandLine.Option;

/**
 * Options that read images as the model input; add to a command with {@code @Mixin ImageInputOptions images;}.
 * {@link #load(Model)} gives the input tensor, the [0, 1] images for overlays and the zbox bounds.
 */
public final class ImageInputOptions {

    @Option(names = "--image", arity = "1..*", paramLabel = "FILE",
            description = "input image(s): PNG, JPEG, BMP or GIF files, or folders (their images in name order);"
                    + " a gray image for an RGB model is replicated to 3 channels, an RGB image for a gray model"
                    + " becomes its luminance 0.299R+0.587G+0.114B")
    List<Path> images = new ArrayList<>();

    @Option(names = "--preprocess", paramLabel = "PRESET", defaultValue = "auto",
            description = "imagenet (shorter side 256, center crop 224, RGB, mean 0.485,0.456,0.406, std"
                    + " 0.229,0.224,0.225), fashion-mnist (28x28 gray, mean 0.2860, std 0.3530), none (only scale"
                    + " to [0,1]), or auto: fashion-mnist for a 1x28x28 model input, imagenet for 3x224x224, else"
                    + " none resized and cropped to the model's size (default: ${DEFAULT-VALUE}). The zbox bounds"
                    + " (epsilon-gamma-box) default to the normalised images of all-0 and all-1 pixels of this"
                    + " pipeline.")
    String preprocess;

    @Option(names = "--resize", paramLabel = "N", description = "resize the shorter side to N pixels (bilinear);"
            + " 0 keeps the size (overrides the preset)")
    Integer resize;

    @Option(names = "--crop", paramLabel = "N|HxW", description = "center crop to NxN or HxW pixels; 0 keeps the size"
            + " (overrides the preset)")
    String crop;

    @Option(names = "--gray", description = "convert images to grayscale (luminance) (overrides the preset)")
    boolean gray;

    @Option(names = "--rgb", description = "use three channels R, G, B (overrides the preset)")
    boolean rgb;

    @Option(names = "--mean", split = ",", paramLabel = "M", description = "per-channel mean subtracted after scaling"
            + " to [0,1]: one value or R,G,B (overrides the preset)")
    float[] mean;

    @Option(names = "--std", split = ",", paramLabel = "S", description = "per-channel standard deviation divided by:"
            + " one value or R,G,B (overrides the preset)")
    float[] std;

    /** True when {@code --image} was given. */
    public boolean given() {
        return !images.isEmpty();
    }

    public List<Path> files() {
        return List.copyOf(images);
    }

    /** The pipeline for a model (the preset, auto-chosen from its input shape, with the explicit overrides). */
    public Preprocessing pipeline(Model model) {
        return pipeline(inputShape(model));
    }

    /** The pipeline for a model input {C, H, W} (entries -1 when unknown, or null when nothing is known). */
    public Preprocessing pipeline(int[] chw) {
        String p = preprocess == null ? "auto" : preprocess.toLowerCase(Locale.ROOT);
        Preprocessing.Builder b;
        if (p.equals("auto")) {
            b = Preprocessing.autoBuilder(chw);
        } else {
            b = Preprocessing.builder(p);
        }
        if (resize != null) {
            b.resize(resize);
        }
        if (crop != null) {
            int[] hw = parseCrop(crop);
            b.crop(hw[0], hw[1]);
        }
        if (gray && rgb) {
            throw new IllegalArgumentException("give --gray or --rgb, not both");
        }
        if (gray) {
            b.color(Preprocessing.Color.GRAY);
        }
        if (rgb) {
            b.color(Preprocessing.Color.RGB);
        }
        if (mean != null) {
            b.mean(mean);
        }
        if (std != null) {
            b.std(std);
        }
        return b.build();
    }

    /**
     * Reads the images for {@code model}: channels follow the model, and the preprocessed size must be the
     * model's input size (when the model declares it).
     */
    public ImageBatch load(Model model) throws IOException {
        return load(inputShape(model));
    }

    /** Reads the images for a model input {C, H, W} (-1 entries or null when unknown). */
    public ImageBatch load(int[] chw) throws IOException {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no --image given");
        }
        Preprocessing p = pipeline(chw);
        int c = chw != null && chw[0] > 0 ? chw[0] : 0;
        if (c > 0 && p.color() != Preprocessing.Color.AUTO && p.channels() != c) {
            throw new IllegalArgumentException("preprocessing '" + p.name() + "' gives " + p.channels()
                    + " channel(s) but the model takes " + c + "; " + (c == 3 ? "add --rgb" : c == 1 ? "add --gray"
                    : "choose a pipeline for " + c + " channels"));
        }
        ImageBatch batch = p.load(images, c);
        int h = batch.input().dim(2);
        int w = batch.input().dim(3);
        if (chw != null && ((chw[1] > 0 && chw[1] != h) || (chw[2] > 0 && chw[2] != w))) {
            throw new ImageFormatException("the images are " + w + "x" + h + " after preprocessing '" + p.name()
                    + "' but the model takes " + chw[2] + "x" + chw[1] + "; choose --preprocess or --resize/--crop");
        }
        return batch;
    }

    /** {C, H, W} of the model's first input, or null when it is not an image input of known rank. */
    static int[] inputShape(Model model) {
        if (model == null || model.inputs().isEmpty()) {
            return null;
        }
        Shape s = model.inputs().get(0).sampleShape();
        if (s == null || s.rank() != 3) {
            return null;
        }
        return s.toArray();
    }

    static int[] parseCrop(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            int x = t.indexOf('x');
            if (x < 0) {
                int n = Integer.parseInt(t);
                return new int[] {n, n};
            }
            return new int[] {Integer.parseInt(t.substring(0, x)), Integer.parseInt(t.substring(x + 1))};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--crop '" + text + "' must be N or HxW, e.g. 224 or 28x28");
        }
    }
}
