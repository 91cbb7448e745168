package org.lrp4j.explain;

import java.util.Map;

import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * Guided Grad-CAM (Selvaraju et al. 2017): guided backpropagation multiplied elementwise by the upsampled Grad-CAM
 * map of the same target (broadcast over the input channels). Attribution shape = input shape [N, C, H, W].
 */
public final class GuidedGradCam extends TargetedExplainer {
    private final GradCam gradCam;
    private final GuidedBackprop guided;

    /** @param node the Grad-CAM node, or null for the last Conv node */
    public GuidedGradCam(Model model, String node, boolean relu) {
        super(model);
        this.gradCam = new GradCam(model, node, relu);
        this.guided = new GuidedBackprop(model);
    }

    /** The node whose map Grad-CAM uses. */
    public String node() {
        return gradCam.node();
    }

    public GuidedGradCam(Model model) {
        this(model, null, true);
    }

    @Override
    protected Explanation explainRows(Tensor input, int[] targets) {
        Explanation cam = gradCam.explainRows(input, targets);
        Explanation g = guided.explainRows(input, targets);
        return new Explanation(g.attribution().mul(cam.attribution()), targets, g.output(),
                Map.of(gradCam.node(), cam.layers().get(gradCam.node())), null);
    }
}
