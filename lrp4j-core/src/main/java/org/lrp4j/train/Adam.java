package org.lrp4j.train;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/**
 * Adam (Kingma and Ba) with PyTorch's update and L2 weight decay added to the gradient:
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 */
public final class Adam implements Optimizer {
    private final List<Variable> parameters;
    private final float learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final float[][] m;
    private final float[][] v;
    private int t;

    public Adam(List<Variable> parameters, float learningRate) {
        this(parameters, learningRate, 0.9f, 0.999f, 1e-8f, 0f);
    }

    public Adam(List<Variable> parameters, float learningRate, float beta1, float beta2, float epsilon,
                float weightDecay) {
        if (!(learningRate > 0) || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || !(epsilon > 0)
                || weightDecay < 0) {
            throw new IllegalArgumentException("adam: need lr > 0, 0 <= betas < 1, eps > 0, weight decay >= 0 but got "
                    + learningRate + ", " + beta1 + ", " + beta2 + ", " + epsilon + ", " + weightDecay);
        }
        this.parameters = List.copyOf(parameters);
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.m = new float[this.parameters.size()][];
        this.v = new float[this.parameters.size()][];
    }

    @Override
    public List<Variable> parameters() {
        return parameters;
    }

    @Override
    public void step() {
        t++;
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        float stepSize = (float) (learningRate / c1);
        float c2Root = (float) Math.sqrt(c2);
        for (int k = 0; k < parameters.size(); k++) {
            Variable p = parameters.get(k);
            if (!p.hasGrad()) {
                continue;
            }
            int n = p.value().size();
            if (m[k] == null) {
                m[k] = new float[n];
                v[k] = new float[n];
            }
            float[] w = p.value().data();
            int wo = p.value().offset();
            float[] g = p.grad().data();
            int go = p.grad().offset();
            float[] mk = m[k];
            float[] vk = v[k];
            for (int i = 0; i < n; i++) {
                float gi = g[go + i] + weightDecay * w[wo + i];
                mk[i] = beta1 * mk[i] + (1 - beta1) * gi;
                vk[i] = beta2 * vk[i] + (1 - beta2) * gi * gi;
                w[wo + i] -= stepSize * mk[i] / ((float) Math.sqrt(vk[i]) / c2Root + epsilon);
            }
        }
    }
}
