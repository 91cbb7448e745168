package org.lrp4j.layers;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * How a forward pass runs: in training mode Dropout drops and BatchNorm uses (and updates) batch statistics;
 * in inference mode both are deterministic. The random generator drives Dropout.
 */
public record ForwardContext(boolean training, RandomGenerator rng) {

    public static ForwardContext inference() {
        return new ForwardContext(false, new SplittableRandom(0));
    }

    public static ForwardContext training(RandomGenerator rng) {
        return new ForwardContext(true, rng);
    }
}
