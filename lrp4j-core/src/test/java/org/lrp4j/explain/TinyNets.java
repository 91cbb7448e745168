package org.lrp4j.explain;

import java.util.SplittableRandom;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.ReLU;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/** Small networks with chosen or seeded weights for the explainer tests. */
final class TinyNets {
    private TinyNets() {
    }

    static Linear linear(float[] w, int out, int in, float[] b) {
        return new Linear(Variable.parameter(Tensor.of(w, out, in)), b == null ? null : Variable.parameter(Tensor.of(b, out)));
    }

    /** x[2] -> Linear(W1 = [[1,-1],[2,1]], b1 = [0,-1]) -> ReLU -> Linear(W2 = [[1,2],[-1,1]], b2 = [0.5,0]). */
    static Model mlp() {
        return ModelBuilder.create("mlp2").input("input", 2)
                .then(linear(new float[] {1, -1, 2, 1}, 2, 2, new float[] {0, -1})).then(new ReLU())
                .then(linear(new float[] {1, 2, -1, 1}, 2, 2, new float[] {0.5f, 0}))
                .build();
    }

    /** Conv(1->2, 3x3, pad 1) ReLU MaxPool2 Conv(2->3, 3x3, pad 1) ReLU Flatten Linear(3*4*4 -> 5), seeded. */
    static Model cnn(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return ModelBuilder.create("cnn").input("input", 1, 8, 8)
                .then(Conv2d.of(1, 2, 3, 1, 1, r)).then(new ReLU()).then(MaxPool2d.of(2, 2))
                .then(Conv2d.of(2, 3, 3, 1, 1, r)).then(new ReLU())
                .then(new Flatten())
                .then(Linear.of(3 * 4 * 4, 5, r))
                .build();
    }

    /** A conv with given weight [Cout, 1, k, k], no bias, stride 1, no padding. */
    static Conv2d conv(float[] w, int out, int k) {
        return new Conv2d(Conv2dSpec.of(1, 0), Variable.parameter(Tensor.of(w, out, 1, k, k)), null);
    }
}
