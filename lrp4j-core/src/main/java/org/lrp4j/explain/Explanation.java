package org.lrp4j.explain;

import java.util.Map;
import java.util.Optional;

import org.lrp4j.lrp.ConservationReport;
import org.lrp4j.tensor.Tensor;

/**
 * The result of an explainer: the attribution with the input's shape ([N, ...], or [N, K, ...] when every class
 * was explained), the explained class per image (per image and class for all targets: [N * K], image-major),
 * the model output, the relevance of requested intermediate tensors, and for LRP the conservation report.
 */
public record Explanation(Tensor attribution, int[] targets, Tensor output, Map<String, Tensor> layers,
                          ConservationReport report) {

    public Optional<ConservationReport> conservation() {
        return Optional.ofNullable(report);
    }
}
