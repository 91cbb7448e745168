package org.lrp4j.lrp.canonizers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.BatchNorm;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Identity;
import org.lrp4j.layers.Layer;
import org.lrp4j.layers.Linear;
import org.lrp4j.lrp.rules.Pass;
import org.lrp4j.tensor.Tensor;

/**
 * Merges each inference-mode BatchNormalization into the adjacent Conv or Gemm: into the layer before it
 * (w' = w * s, b' = (b - mean) * s + beta with s = scale / sqrt(var + eps), per output channel), or, where the
 * algebra allows (the BatchNorm output feeds only that layer, which has no zero padding), into the layer after it
 * (w' = w * s over input channels, b' = b + sum w * shift). The BatchNorm node becomes an Identity that passes
 * relevance. Merged parameters are computed with differentiable ops from the originals.
 */
public final class MergeBatchNorm implements Canonizer {

    @Override
    public String name() {
        return "merge-batchnorm";
    }

    @Override
    public Canonized apply(Canonized in) {
        Model model = in.model();
        Map<String, Layer> replaced = new HashMap<>();
        Map<String, org.lrp4j.lrp.rules.Rule> rules = new LinkedHashMap<>(in.rules());
        List<String> notes = new ArrayList<>(in.notes());
        for (Node bnNode : model.nodes()) {
            if (!(bnNode.layer() instanceof BatchNorm bn)) {
                continue;
            }
            String source = bnNode.inputs().get(0);
            Node before = model.producer(source).orElse(null);
            if (before != null && !replaced.containsKey(before.name()) && model.consumers(source).size() == 1
                    && !model.outputs().contains(source)) {
                Layer merged = mergeAfter(current(before, replaced), bn);
                if (merged != null) {
                    replaced.put(before.name(), merged);
                    replaced.put(bnNode.name(), new Identity());
                    rules.put(bnNode.name(), new Pass());
                    notes.add("merged BatchNormalization '" + bnNode.name() + "' into " + before.opType() + " '"
                            + before.name() + "'");
                    continue;
                }
            }
            List<Node> after = model.consumers(bnNode.output());
            if (after.size() == 1 && !model.outputs().contains(bnNode.output())
                    && !replaced.containsKey(after.get(0).name())) {
                Node next = after.get(0);
                Layer merged = mergeBefore(current(next, replaced), bn);
                if (merged != null) {
                    replaced.put(next.name(), merged);
                    replaced.put(bnNode.name(), new Identity());
                    rules.put(bnNode.name(), new Pass());
                    notes.add("merged BatchNormalization '" + bnNode.name() + "' into the following " + next.opType()
                            + " '" + next.name() + "'");
                }
            }
        }
        if (replaced.isEmpty()) {
            return in;
        }
        Model out = model.mapNodes(n -> replaced.containsKey(n.name()) ? n.withLayer(replaced.get(n.name())) : n);
        return new Canonized(out, rules, notes);
    }

    private static Layer current(Node n, Map<String, Layer> replaced) {
        return replaced.getOrDefault(n.name(), n.layer());
    }

    /** s = scale / sqrt(var + eps) and shift = beta - mean * s, per channel, differentiable in scale and beta. */
    private static Variable[] factors(BatchNorm bn) {
        Tensor invStd = bn.runningVar().add(bn.epsilon()).sqrt().reciprocal();
        Variable s = Ops.mul(bn.scale(), Variable.constant(invStd));
        Variable shift = Ops.sub(bn.bias(), Ops.mul(s, Variable.constant(bn.runningMean())));
        return new Variable[] {s, shift};
    }

    private static Layer mergeAfter(Layer layer, BatchNorm bn) {
        Variable[] f = factors(bn);
        if (layer instanceof Conv2d c && c.outChannels() == bn.channels()) {
            Variable w = Ops.mul(c.weight(), Ops.reshape(f[0], bn.channels(), 1, 1, 1));
            Variable b = c.bias() == null ? f[1] : Ops.add(Ops.mul(c.bias(), f[0]), f[1]);
            return new Conv2d(c.spec(), w, b);
        }
        if (layer instanceof Linear l && l.outFeatures() == bn.channels()) {
            Variable w = Ops.mul(l.weight(), Ops.reshape(f[0], bn.channels(), 1));
            Variable b = l.bias() == null ? f[1] : Ops.add(Ops.mul(l.bias(), f[0]), f[1]);
            return new Linear(w, b);
        }
        return null;
    }

    private static Layer mergeBefore(Layer layer, BatchNorm bn) {
        Variable[] f = factors(bn);
        if (layer instanceof Conv2d c && c.spec().groups() == 1 && c.inChannels() == bn.channels()
                && c.spec().padTop() == 0 && c.spec().padLeft() == 0 && c.spec().padBottom() == 0
                && c.spec().padRight() == 0) {
            Variable w = Ops.mul(c.weight(), Ops.reshape(f[0], 1, bn.channels(), 1, 1));
            Variable shifted = Ops.sum(Ops.mul(c.weight(), Ops.reshape(f[1], 1, bn.channels(), 1, 1)),
                    new int[] {1, 2, 3}, false);
            return new Conv2d(c.spec(), w, c.bias() == null ? shifted : Ops.add(c.bias(), shifted));
        }
        if (layer instanceof Linear l && l.inFeatures() == bn.channels()) {
            Variable w = Ops.mul(l.weight(), Ops.reshape(f[0], 1, bn.channels()));
            Variable shifted = Ops.sum(Ops.mul(l.weight(), Ops.reshape(f[1], 1, bn.channels())), new int[] {1}, false);
            return new Linear(w, l.bias() == null ? shifted : Ops.add(l.bias(), shifted));
        }
        return null;
    }
}
