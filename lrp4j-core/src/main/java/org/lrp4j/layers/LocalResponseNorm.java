package org.lrp4j.layers;

import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/**
 * Local response normalisation across channels, the LRN of AlexNet (ONNX LRN):
 * {@code y_c = x_c / (k + alpha / size * sum_{c' in window(c)} x_c'^2)^beta}, where the window runs from
 * c - floor((size - 1) / 2) to c + ceil((size - 1) / 2), clipped to the channels. (For odd sizes this is also
 * PyTorch's LocalResponseNorm.) Forward and backward are fused kernels ({@link Ops#localResponseNorm}).
 */
public record LocalResponseNorm(int size, float alpha, float beta, float k) implements Layer {

    public LocalResponseNorm {
        if (size < 1) {
            throw new IllegalArgumentException("LRN: size must be >= 1 but was " + size);
        }
    }

    @Override
    public String opType() {
        return "LRN";
    }

    @Override
    public Role role() {
        return Role.RENORMALIZATION;
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.localResponseNorm(inputs.get(0), size, alpha, beta, k);
    }
}
