package org.lrp4j.train;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/**
 * The loss of training with explanations alone (TEA): per sample, both heatmaps are divided by
 * g = sqrt(mean|h_student| * mean|h_teacher|) + 1e-10, and the L1 distance of the normalised maps is averaged
 * over two scales, the full resolution and 2x2 average pooling:
 * <pre>
 *   L = 1/2 [ mean |h_s / g - h_t / g| + mean |pool(h_s / g) - pool(h_t / g)| ]
 * </pre>
 * The teacher's heatmap is a constant; the student's carries its gradient (also through g).
 */
public final class TeaLoss {
    private TeaLoss() {
    }

    /** Added to the geometric mean so that two empty heatmaps divide by a positive number. */
    public static final float FLOOR = 1e-10f;

    /** The loss of student heatmaps [N, C, H, W] against the teacher's of the same shape. */
    public static Variable of(Variable student, Tensor teacher) {
        Shape s = student.shape();
        if (!s.equals(teacher.shape())) {
            throw TensorShapeException.expected("TEA loss", "the teacher heatmap's shape", s, teacher.shape());
        }
        if (s.rank() != 4) {
            throw new TensorShapeException("TEA loss: heatmaps must be [N, C, H, W] but are " + s);
        }
        int[] axes = {1, 2, 3};
        Variable t = Variable.constant(teacher);
        // the product is kept >= 1e-30 so that an all-zero heatmap gets a zero gradient, not 0 * infinity
        Variable scale = Ops.add(Ops.sqrt(Ops.clamp(Ops.mul(Ops.mean(Ops.abs(student), axes, true),
                Ops.mean(Ops.abs(t), axes, true)), 1e-30f, Float.MAX_VALUE)), FLOOR);
        Variable hs = Ops.div(student, scale);
        Variable ht = Ops.div(t, scale);
        Variable full = Ops.l1(hs, ht);
        if (s.dim(2) < 2 || s.dim(3) < 2) {
            return full;
        }
        Pool2dSpec pool = Pool2dSpec.of(2, 2, 0);
        Variable coarse = Ops.l1(Ops.avgPool2d(hs, pool), Ops.avgPool2d(ht, pool));
        return Ops.mul(Ops.add(full, coarse), 0.5f);
    }
}
