package org.lrp4j.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

/**
 * Batch normalisation over the channel axis 1 of [N, C], [N, C, L] or [N, C, H, W] inputs (PyTorch's
 * BatchNorm1d/2d, ONNX BatchNormalization). Training mode normalises with the batch statistics (biased
 * variance) and updates the running statistics in place with {@code momentum} (unbiased variance), as PyTorch
 * does; inference mode uses the running statistics.
 */
public record BatchNorm(Variable scale, Variable bias, Tensor runningMean, Tensor runningVar, float epsilon,
                        float momentum) implements Layer {

    public BatchNorm {
        int c = scale.shape().size();
        for (Object[] t : new Object[][] {{"bias", bias.shape()}, {"running mean", runningMean.shape()},
                {"running variance", runningVar.shape()}}) {
            if (!t[1].equals(Shape.of(c))) {
                throw new TensorShapeException("BatchNormalization: " + t[0] + " must be [" + c + "] but has shape "
                        + t[1]);
            }
        }
        if (scale.shape().rank() != 1) {
            throw new TensorShapeException("BatchNormalization: scale must be rank 1 but has shape " + scale.shape());
        }
    }

    /** A fresh layer for {@code channels} channels: scale 1, bias 0, running mean 0 and variance 1. */
    public static BatchNorm of(int channels) {
        return new BatchNorm(Variable.parameter(Tensor.ones(channels)), Variable.parameter(Tensor.zeros(channels)),
                Tensor.zeros(channels), Tensor.ones(channels), 1e-5f, 0.1f);
    }

    public int channels() {
        return scale.shape().dim(0);
    }

    @Override
    public String opType() {
        return "BatchNormalization";
    }

    @Override
    public Role role() {
        return Role.OTHER;
    }

    @Override
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        return List.of(Ops.channelAffine(v, factor(), null));
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        Variable x = inputs.get(0);
        Shape s = x.shape();
        int c = channels();
        if (s.rank() < 2 || s.dim(1) != c) {
            throw new TensorShapeException("BatchNormalization: input must be [N, " + c + ", ...] but has shape " + s);
        }
        if (context.training()) {
            int[] axes = new int[s.rank() - 1];
            for (int i = 0, j = 0; i < s.rank(); i++) {
                if (i != 1) {
                    axes[j++] = i;
                }
            }
            int count = s.size() / c;
            if (count < 2) {
                throw new TensorShapeException("BatchNormalization: training needs more than one value per channel,"
                        + " but the input has shape " + s);
            }
            Variable mean = Ops.mean(x, axes, true);
            Variable centered = Ops.sub(x, mean);
            Variable var = Ops.mean(Ops.square(centered), axes, true);
            Variable normalized = Ops.div(centered, Ops.sqrt(Ops.add(var, epsilon)));
            updateRunningStatistics(mean.value(), var.value(), count);
            return Ops.channelAffine(normalized, scale, bias);
        }
        Variable factor = factor();
        return Ops.channelAffine(x, factor, shift(factor));
    }

    @Override
    public Tensor forwardInPlace(Tensor x) {
        if (x.rank() < 2 || x.dim(1) != channels()) {
            return null;
        }
        try (GradMode.Scope s = GradMode.disabled()) {
            Variable factor = factor();
            return x.channelAffineInPlace(factor.value(), shift(factor).value());
        }
    }

    /** bias - factor * running mean: what inference adds to each channel after the factor. */
    private Variable shift(Variable factor) {
        return Ops.sub(bias, Ops.mul(factor, Variable.constant(runningMean)));
    }

    /** scale / sqrt(running variance + epsilon), per channel: what inference multiplies each channel by. */
    private Variable factor() {
        return Ops.mul(scale, Variable.constant(runningVar.add(epsilon).sqrt().reciprocal()));
    }

    private void updateRunningStatistics(Tensor mean, Tensor biasedVar, int count) {
        try (GradMode.Scope s = GradMode.disabled()) {
            Tensor m = mean.reshape(channels());
            Tensor v = biasedVar.reshape(channels()).mul(count / (float) (count - 1));
            runningMean.mulInPlace(1f - momentum).addScaledInPlace(momentum, m);
            runningVar.mulInPlace(1f - momentum).addScaledInPlace(momentum, v);
        }
    }

    @Override
    public Map<String, Variable> parameters() {
        Map<String, Variable> p = new LinkedHashMap<>();
        p.put("scale", scale);
        p.put("bias", bias);
        return p;
    }

    @Override
    public Map<String, Tensor> buffers() {
        Map<String, Tensor> b = new LinkedHashMap<>();
        b.put("running_mean", runningMean);
        b.put("running_var", runningVar);
        return b;
    }

    @Override
    public BatchNorm withParameters(Map<String, Variable> r) {
        return new BatchNorm(Layer.replaced(this, r, "scale", scale), Layer.replaced(this, r, "bias", bias),
                runningMean, runningVar, epsilon, momentum);
    }
}
