package org.lrp4j.graph;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Linear;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/** Floating-point operations of a forward pass, counting a multiply-add as two (the usual GFLOP figure). */
public final class Flops {
    private Flops() {
    }

    /** FLOPs of Conv and Gemm nodes for one sample of the given shape (without the batch axis). */
    public static long perSample(Model model, Shape sampleShape) {
        int[] dims = new int[sampleShape.rank() + 1];
        dims[0] = 1;
        System.arraycopy(sampleShape.toArray(), 0, dims, 1, sampleShape.rank());
        Trace t;
        try (org.lrp4j.autodiff.GradMode.Scope s = org.lrp4j.autodiff.GradMode.disabled()) {
            t = model.trace(Variable.constant(Tensor.zeros(dims)));
        }
        long flops = 0;
        for (Node n : model.nodes()) {
            if (n.layer() instanceof Conv2d c) {
                Shape w = c.weight().shape();
                long perOutput = (long) w.dim(1) * w.dim(2) * w.dim(3);
                flops += 2L * perOutput * t.output(n).shape().size();
            } else if (n.layer() instanceof Linear l) {
                flops += 2L * l.inFeatures() * l.outFeatures();
            }
        }
        return flops;
    }
}
