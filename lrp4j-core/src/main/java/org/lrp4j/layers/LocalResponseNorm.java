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

    /** Channels of the window before c: floor((size - 1) / 2). */
    public int before() {
        return (size - 1) / 2;
    }

    /** Channels of the window after c: ceil((size - 1) / 2). */
    public int after() {
        return size - 1 - before();
    }

    /** The scale a = alpha / size of the window sum in D = k + a S. */
    public float scale() {
        return alpha / size;
    }

    /** S_c = sum of x_i^2 over the window of c, as a differentiable op. */
    public Variable windowSumOfSquares(Variable x) {
        return Ops.channelWindowSum(Ops.square(x), before(), after());
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
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        // y_k = x_k / D_k^beta, D_k = bias + a S_k: dy_k/dx_j = [j = k] / D_k^beta - 2 beta a x_k x_j / D_k^(beta+1)
        // for j in N(k), so (J^T v)_j = v_j / D_j^beta - 2 beta a x_j sum_{k : j in N(k)} x_k v_k / D_k^(beta+1),
        // the last sum over the transposed window [j - after, j + before]
        Variable x = inputs.get(0);
        Variable d = Ops.add(Ops.mul(windowSumOfSquares(x), scale()), k);
        Variable direct = Ops.div(v, Ops.pow(d, beta));
        Variable u = Ops.div(Ops.mul(x, v), Ops.pow(d, beta + 1f));
        Variable cross = Ops.mul(Ops.mul(x, Ops.channelWindowSum(u, after(), before())), 2f * beta * scale());
        return List.of(Ops.sub(direct, cross));
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.localResponseNorm(inputs.get(0), size, alpha, beta, k);
    }
}
