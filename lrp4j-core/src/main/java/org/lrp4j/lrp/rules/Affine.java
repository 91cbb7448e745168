package org.lrp4j.lrp.rules;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Layer;
import org.lrp4j.layers.Linear;
import org.lrp4j.tensor.Shape;

/**
 * The linear map of a Conv or Gemm node, run with any weight and bias: the forward map z = f(x; w, b) and its
 * transpose (the transposed convolution, or multiplication by w for Gemm). Weighted rules are written with these
 * two and differentiable ops only, so relevance is a differentiable function of the weights.
 */
public sealed interface Affine {

    Variable weight();

    /** The bias, or null when the layer has none. */
    Variable bias();

    /** f(x; w, b), b may be null. */
    Variable forward(Variable x, Variable w, Variable b);

    /** The transpose of f(.; w, 0) applied to r, giving a tensor of {@code inputShape}. */
    Variable transpose(Variable r, Variable w, Shape inputShape);

    /** f + b for an output f of this map computed without bias (b per output channel or feature). */
    Variable addBias(Variable f, Variable b);

    /** The affine view of a Conv or Gemm node; empty for any other node. */
    static java.util.Optional<Affine> find(Node node) {
        Layer layer = node.layer();
        if (layer instanceof Conv2d c) {
            return java.util.Optional.of(new Conv(c));
        }
        if (layer instanceof Linear l) {
            return java.util.Optional.of(new Dense(l));
        }
        return java.util.Optional.empty();
    }

    /** The affine view of a Conv or Gemm node; a clear error for any other node. */
    static Affine of(Node node, String ruleName) {
        return find(node).orElseThrow(() -> new IllegalArgumentException("rule " + ruleName
                + " applies to Conv and Gemm nodes, not to node '" + node.name() + "' (" + node.opType() + ")"));
    }

    /** Convolution. */
    record Conv(Conv2d layer) implements Affine {
        @Override
        public Variable weight() {
            return layer.weight();
        }

        @Override
        public Variable bias() {
            return layer.bias();
        }

        @Override
        public Variable forward(Variable x, Variable w, Variable b) {
            return Ops.conv2d(x, w, b, layer.spec());
        }

        @Override
        public Variable transpose(Variable r, Variable w, Shape inputShape) {
            return Ops.convTranspose2d(r, w, inputShape, layer.spec());
        }

        @Override
        public Variable addBias(Variable f, Variable b) {
            return Ops.add(f, Ops.reshape(b, b.shape().dim(0), 1, 1));
        }
    }

    /** Fully connected (Gemm with weight [out, in]). */
    record Dense(Linear layer) implements Affine {
        @Override
        public Variable weight() {
            return layer.weight();
        }

        @Override
        public Variable bias() {
            return layer.bias();
        }

        @Override
        public Variable forward(Variable x, Variable w, Variable b) {
            return Ops.linear(x, w, b);
        }

        @Override
        public Variable transpose(Variable r, Variable w, Shape inputShape) {
            return Ops.matmul(r, w);
        }

        @Override
        public Variable addBias(Variable f, Variable b) {
            return Ops.add(f, b);
        }
    }
}
