package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Tensor;

/** Small helpers shared by the layer tests. */
final class LayerFixtures {
    private LayerFixtures() {
    }

    static Tensor t(float[] values, int... dims) {
        return Tensor.of(values, dims);
    }

    static Variable c(float[] values, int... dims) {
        return Variable.constant(Tensor.of(values, dims));
    }

    static Variable p(float[] values, int... dims) {
        return Variable.parameter(Tensor.of(values, dims));
    }

    static float[] f(double... values) {
        float[] r = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            r[i] = (float) values[i];
        }
        return r;
    }

    /** 0, 1, 2, ... as floats. */
    static float[] iota(int n) {
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    static Variable infer(Layer layer, Variable... inputs) {
        return layer.forward(List.of(inputs), ForwardContext.inference());
    }
}
