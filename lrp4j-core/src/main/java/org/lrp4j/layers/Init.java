package org.lrp4j.layers;

import java.util.random.RandomGenerator;

import org.lrp4j.tensor.Tensor;

/** Weight initialisers, with the fan conventions of PyTorch (fan_in = C_in * kH * kW). */
public final class Init {
    private Init() {
    }

    /** Uniform in [-bound, bound). */
    public static Tensor uniform(RandomGenerator rng, float bound, int... dims) {
        return Tensor.rand(rng, -bound, bound, dims);
    }

    /** PyTorch's default for Linear and Conv weights and biases: uniform with bound 1/sqrt(fanIn). */
    public static Tensor pytorchDefault(RandomGenerator rng, int fanIn, int... dims) {
        return uniform(rng, (float) (1.0 / Math.sqrt(Math.max(1, fanIn))), dims);
    }

    /** Kaiming (He) uniform for ReLU: bound sqrt(6 / fanIn). */
    public static Tensor kaimingUniform(RandomGenerator rng, int fanIn, int... dims) {
        return uniform(rng, (float) Math.sqrt(6.0 / Math.max(1, fanIn)), dims);
    }

    /** Kaiming (He) normal for ReLU: std sqrt(2 / fanIn). */
    public static Tensor kaimingNormal(RandomGenerator rng, int fanIn, int... dims) {
        return Tensor.randn(rng, (float) Math.sqrt(2.0 / Math.max(1, fanIn)), dims);
    }

    /** Xavier (Glorot) uniform: bound sqrt(6 / (fanIn + fanOut)). */
    public static Tensor xavierUniform(RandomGenerator rng, int fanIn, int fanOut, int... dims) {
        return uniform(rng, (float) Math.sqrt(6.0 / Math.max(1, fanIn + fanOut)), dims);
    }

    /** Xavier (Glorot) normal: std sqrt(2 / (fanIn + fanOut)). */
    public static Tensor xavierNormal(RandomGenerator rng, int fanIn, int fanOut, int... dims) {
        return Tensor.randn(rng, (float) Math.sqrt(2.0 / Math.max(1, fanIn + fanOut)), dims);
    }
}
