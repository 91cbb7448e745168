package org.lrp4j.patterns;

import java.util.ArrayList;
import java.util.List;

import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.ReLU;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;

/**
 * A Conv or Gemm node seen as K neurons y_k = w_k^T x over observations x of dimension D: for Gemm each row of the
 * input is one observation; for Conv each image patch (im2col) at each output position is one observation for
 * every output channel. The weight is flattened to [K, D] in double precision, in the order of the node's weight
 * tensor ([K, C, kH, kW] for Conv, [K, D] for Gemm).
 *
 * @param node      the node
 * @param weight    w as [K * D], row k is neuron k
 * @param bias      b as [K] (zeros when the node has none)
 * @param neurons   K
 * @param dimension D
 * @param conv      the convolution's hyper-parameters, null for Gemm
 * @param kernel    [kH, kW] for Conv, null for Gemm
 * @param rectified the node's output is read by ReLU nodes only (the two-component estimator applies)
 */
public record LinearNode(Node node, double[] weight, double[] bias, int neurons, int dimension, Conv2dSpec conv,
                         int[] kernel, boolean rectified) {

    /** Observations of one batch: x as [rows * D] and the pre-activations with bias z as [rows * K]. */
    public record Observations(double[] x, double[] z, int rows) {
    }

    public String name() {
        return node.name();
    }

    /** The shape of the node's weight tensor, which patterns share. */
    public int[] weightShape() {
        return conv == null ? new int[] {neurons, dimension}
                : new int[] {neurons, dimension / (kernel[0] * kernel[1]), kernel[0], kernel[1]};
    }

    /** The Conv and Gemm nodes of a model, in graph order; a clear error for a grouped convolution. */
    public static List<LinearNode> of(Model model) {
        List<LinearNode> out = new ArrayList<>();
        for (Node n : model.nodes()) {
            boolean rectified = !model.consumers(n.output()).isEmpty() && !model.outputs().contains(n.output())
                    && model.consumers(n.output()).stream().allMatch(c -> c.layer() instanceof ReLU);
            if (n.layer() instanceof Linear l) {
                Tensor w = l.weight().value();
                double[] b = l.bias() == null ? new double[w.dim(0)] : doubles(l.bias().value());
                out.add(new LinearNode(n, doubles(w), b, w.dim(0), w.dim(1), null, null, rectified));
            } else if (n.layer() instanceof Conv2d c) {
                if (c.spec().groups() != 1) {
                    throw new IllegalArgumentException("node '" + n.name() + "' is a grouped convolution (groups "
                            + c.spec().groups() + "); patterns are fitted for convolutions with one group only");
                }
                Tensor w = c.weight().value();
                double[] b = c.bias() == null ? new double[w.dim(0)] : doubles(c.bias().value());
                out.add(new LinearNode(n, doubles(w), b, w.dim(0), w.size() / w.dim(0), c.spec(),
                        new int[] {w.dim(2), w.dim(3)}, rectified));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("model '" + model.name() + "' has no Conv or Gemm node to fit patterns"
                    + " for");
        }
        return out;
    }

    /**
     * The observations of one batch from the node's traced input and output: rows of x (the input row, or the
     * zero-padded patch at each output position, image-major then row-major over positions) and the node's output
     * at the same rows.
     */
    public Observations observations(Tensor input, Tensor output) {
        if (conv == null) {
            int rows = input.dim(0);
            return new Observations(doubles(input), doubles(output), rows);
        }
        int n = input.dim(0);
        int channels = input.dim(1);
        int h = input.dim(2);
        int w = input.dim(3);
        int oh = output.dim(2);
        int ow = output.dim(3);
        int kh = kernel[0];
        int kw = kernel[1];
        int positions = oh * ow;
        int rows = n * positions;
        double[] x = new double[rows * dimension];
        double[] z = new double[rows * neurons];
        float[] in = input.data();
        int inOff = input.offset();
        float[] out = output.data();
        int outOff = output.offset();
        for (int img = 0; img < n; img++) {
            for (int py = 0; py < oh; py++) {
                for (int px = 0; px < ow; px++) {
                    int row = img * positions + py * ow + px;
                    int base = row * dimension;
                    for (int c = 0; c < channels; c++) {
                        for (int ky = 0; ky < kh; ky++) {
                            int iy = py * conv.strideH() - conv.padTop() + ky * conv.dilationH();
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            int src = inOff + ((img * channels + c) * h + iy) * w;
                            int dst = base + (c * kh + ky) * kw;
                            for (int kx = 0; kx < kw; kx++) {
                                int ix = px * conv.strideW() - conv.padLeft() + kx * conv.dilationW();
                                if (ix >= 0 && ix < w) {
                                    x[dst + kx] = in[src + ix];
                                }
                            }
                        }
                    }
                    for (int k = 0; k < neurons; k++) {
                        z[row * neurons + k] = out[outOff + ((img * neurons + k) * oh + py) * ow + px];
                    }
                }
            }
        }
        return new Observations(x, z, rows);
    }

    static double[] doubles(Tensor t) {
        float[] src = t.data();
        int off = t.offset();
        double[] d = new double[t.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = src[off + i];
        }
        return d;
    }
}
