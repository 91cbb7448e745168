package org.lrp4j.train;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/**
 * Stochastic gradient descent with momentum and L2 weight decay, with PyTorch's update:
 * g = grad + wd * p; buf = momentum * buf + g (buf = g on the first step); p -= lr * buf.
 */
public final class Sgd implements Optimizer {
    private final List<Variable> parameters;
    private final float learningRate;
    private final float momentum;
    private final float weightDecay;
    private final float[][] velocity;

    public Sgd(List<Variable> parameters, float learningRate, float momentum, float weightDecay) {
        if (!(learningRate > 0) || momentum < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("sgd: learning rate must be > 0 and momentum, weight decay >= 0 but were "
                    + learningRate + ", " + momentum + ", " + weightDecay);
        }
        this.parameters = List.copyOf(parameters);
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.velocity = new float[this.parameters.size()][];
    }

    @Override
    public List<Variable> parameters() {
        return parameters;
    }

    @Override
    public void step() {
        for (int k = 0; k < parameters.size(); k++) {
            Variable p = parameters.get(k);
            if (!p.hasGrad()) {
                continue;
            }
            float[] w = p.value().data();
            int wo = p.value().offset();
            float[] g = p.grad().data();
            int go = p.grad().offset();
            int n = p.value().size();
            float[] v = velocity[k];
            boolean first = v == null && momentum != 0f;
            if (first) {
                v = velocity[k] = new float[n];
            }
            for (int i = 0; i < n; i++) {
                float gi = g[go + i] + weightDecay * w[wo + i];
                if (momentum != 0f) {
                    v[i] = first ? gi : momentum * v[i] + gi;
                    gi = v[i];
                }
                w[wo + i] -= learningRate * gi;
            }
        }
    }
}
