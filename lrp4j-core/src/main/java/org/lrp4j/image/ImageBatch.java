package org.lrp4j.image;

import java.util.List;

import org.lrp4j.tensor.Tensor;

/**
 * Preprocessed images: {@code input} is the model input [N, C, H, W] (normalised), {@code display} the same
 * pixels before normalisation, in [0, 1] (for overlays and for showing the image), {@code names} the file of
 * each image, {@code bounds} the zbox bounds of the pipeline ([C, 1, 1] each).
 */
public record ImageBatch(Tensor input, Tensor display, List<String> names, Preprocessing pipeline,
                         Preprocessing.Bounds bounds) {

    public int size() {
        return input.dim(0);
    }

    /** Image {@code i} in [0, 1] as [C, H, W]. */
    public Tensor image(int i) {
        return display.select(i);
    }
}
