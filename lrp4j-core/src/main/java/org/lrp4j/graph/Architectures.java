package org.lrp4j.graph;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.ReLU;

/**
 * Built-in architectures with seeded PyTorch-default initialisation, so examples, tests and benchmarks need no
 * download. Names are what {@code lrp4j train --arch} accepts.
 */
public final class Architectures {
    private Architectures() {
    }

    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("cnn", "small-cnn", "mlp");

    /** Creates architecture {@code name} for inputs [N, channels, size, size] and {@code classes} outputs. */
    public static Model create(String name, int channels, int size, int classes, long seed) {
        RandomGenerator rng = new SplittableRandom(seed);
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "cnn" -> cnn(channels, size, classes, 16, 32, 64, rng);
            case "small-cnn" -> cnn(channels, size, classes, 32, 64, 128, rng);
            case "mlp" -> mlp(channels, size, classes, rng);
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

    /** Flatten Linear(c*s*s, 256) ReLU Linear(256, 128) ReLU Linear(128, classes). */
    public static Model mlp(int channels, int size, int classes, RandomGenerator rng) {
        return ModelBuilder.create("mlp").input("input", channels, size, size)
                .then(new Flatten())
                .then(Linear.of(channels * size * size, 256, rng)).then(new ReLU())
                .then(Linear.of(256, 128, rng)).then(new ReLU())
                .then(Linear.of(128, classes, rng))
                .build();
    }
}
