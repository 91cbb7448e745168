package org.lrp4j.graph;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.lrp4j.layers.Add;
import org.lrp4j.layers.BatchNorm;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Dropout;
import org.lrp4j.layers.GlobalAveragePool;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.LocalResponseNorm;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.ReLU;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/**
 * Built-in architectures with seeded PyTorch-default initialisation, so examples, tests and benchmarks need no
 * download. Names are what {@code lrp4j train --arch} accepts.
 */
public final class Architectures {
    private Architectures() {
    }

    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("cnn", "small-cnn", "lrn-cnn", "mlp", "vgg16", "vgg16-bn",
            "resnet18", "resnet50");

    /** Creates architecture {@code name} for inputs [N, channels, size, size] and {@code classes} outputs. */
    public static Model create(String name, int channels, int size, int classes, long seed) {
        RandomGenerator rng = new SplittableRandom(seed);
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "cnn" -> cnn(channels, size, classes, 16, 32, 64, rng);
            case "small-cnn" -> cnn(channels, size, classes, 32, 64, 128, rng);
            case "lrn-cnn" -> lrnCnn(channels, size, classes, rng);
            case "mlp" -> mlp(channels, size, classes, rng);
            case "vgg16" -> vgg16(channels, size, classes, false, rng);
            case "vgg16-bn" -> vgg16(channels, size, classes, true, rng);
            case "resnet18" -> resnet(channels, size, classes, new int[] {2, 2, 2, 2}, false, rng);
            case "resnet50" -> resnet(channels, size, classes, new int[] {3, 4, 6, 3}, true, rng);
            default -> throw new IllegalArgumentException("unknown architecture '" + name + "'; choose one of " + NAMES);
        };
    }

    /**
     * Conv(c,c1,3,p1) ReLU MaxPool2 Conv(c1,c2,3,p1) ReLU MaxPool2 Flatten Linear(c2*(s/4)^2, hidden) ReLU
     * Linear(hidden, classes). With (16, 32, 64) on 1x28x28 this is the training CNN of lrp4j; with (32, 64, 128)
     * the {@code small-cnn} of the benchmarks.
     */
    public static Model cnn(int channels, int size, int classes, int c1, int c2, int hidden, RandomGenerator rng) {
        int s = size / 4;
        return ModelBuilder.create("cnn").input("input", channels, size, size)
                .then(Conv2d.of(channels, c1, 3, 1, 1, rng)).then(new ReLU()).then(MaxPool2d.of(2, 2))
                .then(Conv2d.of(c1, c2, 3, 1, 1, rng)).then(new ReLU()).then(MaxPool2d.of(2, 2))
                .then(new Flatten())
                .then(Linear.of(c2 * s * s, hidden, rng)).then(new ReLU())
                .then(Linear.of(hidden, classes, rng))
                .build();
    }

    /** The local renormalisation of {@link #lrnCnn}: window 5, alpha 1, beta 0.75, bias 1. */
    public static final LocalResponseNorm LRN_CNN_NORM = new LocalResponseNorm(5, 1f, 0.75f, 1f);

    /**
     * The CNN of seed 001's experiment, with local renormalisation after each convolution: Conv(c,32,3,p1) ReLU
     * LRN MaxPool2 Conv(32,64,3,p1) ReLU LRN MaxPool2 Flatten Linear(64*(s/4)^2, 128) ReLU Linear(128, classes), LRN
     * as {@link #LRN_CNN_NORM}. AlexNet's alpha = 1e-4 (with bias 2) barely changes activations of order 1; with
     * alpha = 1 an activation pattern whose window holds a squared sum of 5 is divided by 2^0.75, so the
     * normalisation shapes what the layers after it see.
     */
    public static Model lrnCnn(int channels, int size, int classes, RandomGenerator rng) {
        int s = size / 4;
        return ModelBuilder.create("lrn-cnn").input("input", channels, size, size)
                .then(Conv2d.of(channels, 32, 3, 1, 1, rng)).then(new ReLU()).then(LRN_CNN_NORM)
                .then(MaxPool2d.of(2, 2))
                .then(Conv2d.of(32, 64, 3, 1, 1, rng)).then(new ReLU()).then(LRN_CNN_NORM)
                .then(MaxPool2d.of(2, 2))
                .then(new Flatten())
                .then(Linear.of(64 * s * s, 128, rng)).then(new ReLU())
                .then(Linear.of(128, classes, rng))
                .build();
    }

    /** Flatten Linear(c*s*s, 256) ReLU Linear(256, 128) ReLU Linear(128, classes). */
    public static Model mlp(int channels, int size, int classes, RandomGenerator rng) {
        return ModelBuilder.create("mlp").input("input", channels, size, size)
                .then(new Flatten())
                .then(Linear.of(channels * size * size, 256, rng)).then(new ReLU())
                .then(Linear.of(256, 128, rng)).then(new ReLU())
                .then(Linear.of(128, classes, rng))
                .build();
    }

    private static final int[] VGG16 = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};

    /**
     * torchvision's VGG16 (configuration D), optionally with BatchNorm after each convolution: thirteen 3x3
     * convolutions in five blocks with 2x2 max pooling, then Linear(512*7*7, 4096) ReLU Dropout Linear(4096, 4096)
     * ReLU Dropout Linear(4096, classes). The input size must be a multiple of 32 (224 gives the 7x7 that
     * torchvision's adaptive average pooling then leaves unchanged, so it is omitted).
     */
    public static Model vgg16(int channels, int size, int classes, boolean batchNorm, RandomGenerator rng) {
        if (size % 32 != 0) {
            throw new IllegalArgumentException("vgg16: the input size must be a multiple of 32 but was " + size);
        }
        ModelBuilder b = ModelBuilder.create(batchNorm ? "vgg16-bn" : "vgg16").input("input", channels, size, size);
        int in = channels;
        for (int c : VGG16) {
            if (c == 0) {
                b.then(MaxPool2d.of(2, 2));
                continue;
            }
            b.then(Conv2d.of(in, c, 3, 1, 1, rng));
            if (batchNorm) {
                b.then(BatchNorm.of(c));
            }
            b.then(new ReLU());
            in = c;
        }
        int s = size / 32;
        return b.then(new Flatten())
                .then(Linear.of(512 * s * s, 4096, rng)).then(new ReLU()).then(new Dropout(0.5f))
                .then(Linear.of(4096, 4096, rng)).then(new ReLU()).then(new Dropout(0.5f))
                .then(Linear.of(4096, classes, rng))
                .build();
    }

    /**
     * torchvision's ResNet18 (basic blocks [2, 2, 2, 2]) or ResNet50 (bottleneck blocks [3, 4, 6, 3], stride on
     * the 3x3 convolution as in torchvision), with BatchNorm and residual Add nodes, global average pooling and a
     * Linear classifier. Convolutions have no bias, as in torchvision.
     */
    public static Model resnet(int channels, int size, int classes, int[] blocks, boolean bottleneck, RandomGenerator rng) {
        ModelBuilder b = ModelBuilder.create(bottleneck ? "resnet50" : "resnet18").input("input", channels, size, size);
        String x = b.add("conv1", conv(channels, 64, 7, 2, 3, rng), "input");
        x = b.add("bn1", BatchNorm.of(64), x);
        x = b.add("relu", new ReLU(), x);
        x = b.add("maxpool", new MaxPool2d(Pool2dSpec.of(3, 2, 1)), x);
        int in = 64;
        int expansion = bottleneck ? 4 : 1;
        for (int stage = 0; stage < blocks.length; stage++) {
            int width = 64 << stage;
            for (int k = 0; k < blocks[stage]; k++) {
                String p = "layer" + (stage + 1) + "." + k + ".";
                int stride = stage > 0 && k == 0 ? 2 : 1;
                String identity = x;
                String y;
                if (bottleneck) {
                    y = b.add(p + "conv1", conv(in, width, 1, 1, 0, rng), x);
                    y = b.add(p + "bn1", BatchNorm.of(width), y);
                    y = b.add(p + "relu1", new ReLU(), y);
                    y = b.add(p + "conv2", conv(width, width, 3, stride, 1, rng), y);
                    y = b.add(p + "bn2", BatchNorm.of(width), y);
                    y = b.add(p + "relu2", new ReLU(), y);
                    y = b.add(p + "conv3", conv(width, width * expansion, 1, 1, 0, rng), y);
                    y = b.add(p + "bn3", BatchNorm.of(width * expansion), y);
                } else {
                    y = b.add(p + "conv1", conv(in, width, 3, stride, 1, rng), x);
                    y = b.add(p + "bn1", BatchNorm.of(width), y);
                    y = b.add(p + "relu1", new ReLU(), y);
                    y = b.add(p + "conv2", conv(width, width, 3, 1, 1, rng), y);
                    y = b.add(p + "bn2", BatchNorm.of(width), y);
                }
                if (stride != 1 || in != width * expansion) {
                    identity = b.add(p + "downsample.0", conv(in, width * expansion, 1, stride, 0, rng), x);
                    identity = b.add(p + "downsample.1", BatchNorm.of(width * expansion), identity);
                }
                x = b.add(p + "add", new Add(), y, identity);
                x = b.add(p + "relu", new ReLU(), x);
                in = width * expansion;
            }
        }
        x = b.add("avgpool", new GlobalAveragePool(), x);
        x = b.add("flatten", new Flatten(), x);
        b.add("fc", Linear.of(in, classes, rng), x);
        return b.build();
    }

    private static Conv2d conv(int in, int out, int k, int stride, int pad, RandomGenerator rng) {
        Conv2d c = Conv2d.of(in, out, k, stride, pad, rng);
        return new Conv2d(c.spec(), c.weight(), null);
    }
}
