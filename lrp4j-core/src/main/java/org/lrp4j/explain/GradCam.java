package org.lrp4j.explain;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.tensor.Tensor;

/**
 * Grad-CAM (Selvaraju et al. 2017) at one node with a [N, C, h, w] output (default: the last spatial feature map,
 * see {@link #lastConv}): the channel weights are the spatial means of the gradient of the target logit at that node's output,
 * alpha_c = mean_{h,w} d f_t / d A_{c,h,w}; the map is the weighted sum of the channels, sum_c alpha_c A_c, passed
 * through a ReLU (on by default, as in the paper, which keeps only evidence for the class; it can be switched off
 * to see negative evidence too) and upsampled bilinearly ({@link Resize#bilinear}, align_corners = False) to the
 * input's H x W. Attribution: [N, 1, H, W]. {@link Explanation#layers()} holds the map before upsampling under the
 * node's name, [N, 1, h, w].
 */
public final class GradCam extends TargetedExplainer {
    private final Backprop backprop;
    private final String node;
    private final boolean relu;

    /** @param node the node whose output is used, or null for the last Conv node */
    public GradCam(Model model, String node, boolean relu) {
        super(model);
        this.node = node == null ? lastConv(model) : node;
        Node n = model.node(this.node);
        if (n == null) {
            throw new IllegalArgumentException("grad-cam: no node '" + node + "'");
        }
        this.relu = relu;
        this.backprop = new Backprop(model, Backprop.Relu.GRADIENT);
    }

    public GradCam(Model model) {
        this(model, null, true);
    }

    public String node() {
        return node;
    }

    public boolean relu() {
        return relu;
    }

    /** Ops that keep a feature map's shape: Grad-CAM's default node follows them from the last Conv. */
    private static final Set<String> SHAPE_KEEPING = Set.of("Relu", "LeakyRelu", "Clip", "BatchNormalization", "Add",
            "Identity", "Dropout");

    /**
     * The last spatial feature map: from the last Conv node in graph order, along the single consumer while it keeps
     * the map's shape (activation, BatchNorm, the residual Add and the ReLU after it), up to the node before global
     * pooling or flattening. On a ResNet that is the last block's output (PyTorch's {@code layer4}, what Captum and
     * pytorch-grad-cam users take), on VGG-style networks the ReLU after the last Conv, the rectified maps of the
     * paper.
     */
    static String lastConv(Model model) {
        String current = lastConvNode(model);
        while (true) {
            Node n = model.node(current);
            List<Node> next = model.consumers(n.output());
            if (next.size() != 1 || model.outputs().contains(n.output())
                    || !SHAPE_KEEPING.contains(next.get(0).opType())) {
                return current;
            }
            current = next.get(0).name();
        }
    }

    private static String lastConvNode(Model model) {
        List<Node> convs = model.nodes().stream().filter(n -> n.opType().equals("Conv")).toList();
        if (convs.isEmpty()) {
            throw new IllegalArgumentException("grad-cam: model '" + model.name() + "' has no Conv node; choose a node"
                    + " with a [N, C, H, W] output (--node); nodes: " + model.nodes().stream().map(n -> n.name()
                    + " (" + n.opType() + ")").toList());
        }
        return convs.get(convs.size() - 1).name();
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Tensor cam = map(input, targets);
        Tensor up = Resize.bilinear(cam, input.dim(2), input.dim(3));
        return new Explanation(up, targets, model.predict(input), Map.of(node, cam), null);
    }

    /** The class activation map before upsampling, [N, 1, h, w]. */
    Tensor map(Tensor input, int[] targets) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("grad-cam needs image input [N, C, H, W] but the input has shape "
                    + input.shape());
        }
        Backprop.Result r = backprop.run(input, out -> Backprop.oneHot(out.shape(), targets), Set.of(node));
        Tensor a = model.trace(Variable.constant(input)).output(node).value();
        if (a.rank() != 4) {
            throw new IllegalArgumentException("grad-cam: node '" + node + "' has output shape " + a.shape()
                    + "; choose a node with a [N, C, H, W] output");
        }
        Tensor g = r.kept().get(node);
        if (g == null) {
            g = Tensor.zeros(a.shape());
        }
        Tensor alpha = g.mean(new int[] {2, 3}, true);
        Tensor cam = a.mul(alpha).sum(1, true);
        return relu ? cam.relu() : cam;
    }
}
