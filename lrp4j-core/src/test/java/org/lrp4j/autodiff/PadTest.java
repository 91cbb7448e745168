package org.lrp4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

class PadTest {

    /** Naive reference: index arithmetic per output element. */
    private static Tensor naivePad(Tensor x, int[] pads) {
        int r = x.rank();
        int[] od = new int[r];
        for (int i = 0; i < r; i++) {
            od[i] = x.dim(i) + pads[i] + pads[i + r];
        }
        Tensor y = Tensor.zeros(od);
        int[] idx = new int[r];
        for (int k = 0; k < y.size(); k++) {
            int rem = k;
            boolean inside = true;
            int[] src = new int[r];
            for (int ax = r - 1; ax >= 0; ax--) {
                idx[ax] = rem % od[ax];
                rem /= od[ax];
                src[ax] = idx[ax] - pads[ax];
                inside &= src[ax] >= 0 && src[ax] < x.dim(ax);
            }
            if (inside) {
                y.setFlat(k, x.get(src));
            }
        }
        return y;
    }

    @Test
    void padMatchesNaiveReferenceOnRandomShapes() {
        SplittableRandom rng = new SplittableRandom(7);
        for (int trial = 0; trial < 40; trial++) {
            int r = 1 + rng.nextInt(4);
            int[] dims = new int[r];
            int[] pads = new int[2 * r];
            for (int i = 0; i < r; i++) {
                dims[i] = 1 + rng.nextInt(4);
                pads[i] = rng.nextInt(3);
                pads[i + r] = rng.nextInt(3);
            }
            Tensor x = Tensor.randn(rng, 1f, dims);
            Tensor y = Ops.pad(Variable.constant(x), pads).value();
            assertThat(y.maxAbsDiff(naivePad(x, pads))).as("trial %d", trial).isZero();
        }
    }

    @Test
    void padGradientCropsBack() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 6; trial++) {
            int[] pads = {0, rng.nextInt(2), rng.nextInt(3), rng.nextInt(3), 0, rng.nextInt(2), rng.nextInt(3),
                    rng.nextInt(3)};
            long seed = 100 + trial;
            GradCheck.check("pad " + java.util.Arrays.toString(pads), seed, v -> Ops.pad(v[0], pads),
                    Tensor.randn(rng, 1f, 2, 3, 4, 5));
        }
        GradCheck.check("pad rank 2", 5, v -> Ops.pad(v[0], 1, 0, 2, 3), Tensor.randn(rng, 1f, 3, 4));
    }

    @Test
    void padRejectsBadAmounts() {
        Variable x = Variable.constant(Tensor.zeros(2, 3));
        assertThatThrownBy(() -> Ops.pad(x, 1, 1)).isInstanceOf(TensorShapeException.class);
        assertThatThrownBy(() -> Ops.pad(x, 0, -1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Ops.pad(x, 0, 0, 0, 0).shape()).isEqualTo(Shape.of(2, 3));
    }
}
