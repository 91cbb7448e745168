package org.lrp4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

class ShapeTest {

    @Test
    void basicAccessors() {
        Shape s = Shape.of(2, 3, 4);
        assertThat(s.rank()).isEqualTo(3);
        assertThat(s.size()).isEqualTo(24);
        assertThat(s.dim(0)).isEqualTo(2);
        assertThat(s.dim(2)).isEqualTo(4);
        assertThat(s.dim(-1)).isEqualTo(4);
        assertThat(s.dim(-3)).isEqualTo(2);
        assertThat(s.toArray()).containsExactly(2, 3, 4);
        assertThat(s.strides()).containsExactly(12, 4, 1);
        assertThat(s.sizeOf(1, 3)).isEqualTo(12);
        assertThat(s.sizeOf(0, 0)).isEqualTo(1);
        assertThat(s.sizeOf(3, 3)).isEqualTo(1);
        assertThat(s.toString()).isEqualTo("[2, 3, 4]");
    }

    @Test
    void scalarShape() {
        Shape s = Shape.scalar();
        assertThat(s.rank()).isZero();
        assertThat(s.size()).isEqualTo(1);
        assertThat(s.strides()).isEmpty();
        assertThat(s.toArray()).isEmpty();
        assertThat(s).isEqualTo(Shape.of());
        assertThat(s.toString()).isEqualTo("[]");
    }

    @Test
    void emptyShapes() {
        assertThat(Shape.of(0).size()).isZero();
        assertThat(Shape.of(3, 0, 2).size()).isZero();
        assertThat(Shape.of(3, 0, 2).strides()).containsExactly(0, 2, 1);
        // A zero dimension makes the size 0 even when the other dimensions multiply past 2^31.
        assertThat(Shape.of(1 << 20, 1 << 20, 0).size()).isZero();
        assertThat(Shape.of(0, 1 << 20, 1 << 20).size()).isZero();
    }

    @Test
    void isImmutable() {
        int[] dims = {2, 3};
        Shape s = Shape.of(dims);
        dims[0] = 7;
        assertThat(s.dim(0)).isEqualTo(2);
        s.toArray()[1] = 9;
        assertThat(s.dim(1)).isEqualTo(3);
        Shape w = s.withDim(1, 5);
        assertThat(w).isEqualTo(Shape.of(2, 5));
        assertThat(s).isEqualTo(Shape.of(2, 3));
        assertThat(s.withDim(-2, 0)).isEqualTo(Shape.of(0, 3));
    }

    @Test
    void equalsAndHashCode() {
        assertThat(Shape.of(2, 3)).isEqualTo(Shape.of(2, 3)).hasSameHashCodeAs(Shape.of(2, 3));
        assertThat(Shape.of(2, 3)).isNotEqualTo(Shape.of(3, 2));
        assertThat(Shape.of(2, 3)).isNotEqualTo(Shape.of(2, 3, 1));
        assertThat(Shape.of(1)).isNotEqualTo(Shape.scalar());
        assertThat(Shape.of(2)).isNotEqualTo("[2]");
    }

    @Test
    void normalizeAxis() {
        Shape s = Shape.of(2, 3, 4);
        assertThat(s.normalizeAxis(0)).isZero();
        assertThat(s.normalizeAxis(2)).isEqualTo(2);
        assertThat(s.normalizeAxis(-1)).isEqualTo(2);
        assertThat(s.normalizeAxis(-3)).isZero();
        assertThatThrownBy(() -> s.normalizeAxis(3)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("axis 3").hasMessageContaining("[2, 3, 4]");
        assertThatThrownBy(() -> s.normalizeAxis(-4)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("axis -4").hasMessageContaining("[2, 3, 4]");
        assertThatThrownBy(() -> s.dim(5)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("axis 5").hasMessageContaining("[2, 3, 4]");
        assertThatThrownBy(() -> Shape.scalar().normalizeAxis(0)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("axis 0").hasMessageContaining("[]");
        assertThatThrownBy(() -> s.withDim(3, 1)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("axis 3");
    }

    @Test
    void badDimensions() {
        assertThatThrownBy(() -> Shape.of(2, -1)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("negative").hasMessageContaining("[2, -1]");
        assertThatThrownBy(() -> Shape.of(2, 3).withDim(0, -2)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("negative").hasMessageContaining("[-2, 3]");
        assertThatThrownBy(() -> Shape.of(1 << 16, 1 << 16)).isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("[65536, 65536]").hasMessageContaining("2^31");
    }

    @Test
    void broadcastHandExamples() {
        assertThat(Shape.broadcast("op", Shape.of(2, 3), Shape.of(2, 3))).isEqualTo(Shape.of(2, 3));
        assertThat(Shape.broadcast("op", Shape.of(2, 3), Shape.of(3))).isEqualTo(Shape.of(2, 3));
        assertThat(Shape.broadcast("op", Shape.of(3), Shape.of(2, 3))).isEqualTo(Shape.of(2, 3));
        assertThat(Shape.broadcast("op", Shape.of(2, 1), Shape.of(1, 3))).isEqualTo(Shape.of(2, 3));
        assertThat(Shape.broadcast("op", Shape.of(4, 1, 5), Shape.of(3, 1))).isEqualTo(Shape.of(4, 3, 5));
        assertThat(Shape.broadcast("op", Shape.scalar(), Shape.of(2, 3))).isEqualTo(Shape.of(2, 3));
        assertThat(Shape.broadcast("op", Shape.of(2, 3), Shape.scalar())).isEqualTo(Shape.of(2, 3));
        assertThat(Shape.broadcast("op", Shape.scalar(), Shape.scalar())).isEqualTo(Shape.scalar());
        assertThat(Shape.broadcast("op", Shape.of(0), Shape.of(1))).isEqualTo(Shape.of(0));
        assertThat(Shape.broadcast("op", Shape.of(1), Shape.of(0))).isEqualTo(Shape.of(0));
        assertThat(Shape.broadcast("op", Shape.of(2, 0), Shape.of(1))).isEqualTo(Shape.of(2, 0));
        assertThat(Shape.broadcast("op", Shape.of(3, 0), Shape.scalar())).isEqualTo(Shape.of(3, 0));
    }

    @Test
    void broadcastMismatchNamesOpAndShapes() {
        assertThatThrownBy(() -> Shape.broadcast("myop", Shape.of(2, 3), Shape.of(4)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("myop").hasMessageContaining("[2, 3]").hasMessageContaining("[4]");
        assertThatThrownBy(() -> Shape.broadcast("myop", Shape.of(0), Shape.of(2)))
                .isInstanceOf(TensorShapeException.class)
                .hasMessageContaining("myop").hasMessageContaining("[0]").hasMessageContaining("[2]");
    }

    /** NumPy's rule written out independently: align right, each pair equal or one of them 1. */
    @RepeatedTest(100)
    void broadcastMatchesRule(RepetitionInfo info) {
        long seed = info.getCurrentRepetition();
        Random rng = new Random(seed);
        int[] a = randomDims(rng);
        int[] b = randomDims(rng);
        int r = Math.max(a.length, b.length);
        int[] expected = new int[r];
        boolean ok = true;
        for (int i = 0; i < r; i++) {
            int da = i < a.length ? a[a.length - 1 - i] : 1;
            int db = i < b.length ? b[b.length - 1 - i] : 1;
            if (da == db || da == 1 || db == 1) {
                expected[r - 1 - i] = da == 1 ? db : da;
            } else {
                ok = false;
            }
        }
        if (ok) {
            assertThat(Shape.broadcast("t", Shape.of(a), Shape.of(b))).as("seed %d", seed).isEqualTo(Shape.of(expected));
            assertThat(Shape.broadcast("t", Shape.of(b), Shape.of(a))).as("seed %d", seed).isEqualTo(Shape.of(expected));
        } else {
            assertThatThrownBy(() -> Shape.broadcast("t", Shape.of(a), Shape.of(b))).as("seed %d", seed)
                    .isInstanceOf(TensorShapeException.class);
        }
    }

    @RepeatedTest(50)
    void stridesAndSizeMatchDefinition(RepetitionInfo info) {
        long seed = info.getCurrentRepetition();
        Random rng = new Random(seed);
        int[] d = randomDims(rng);
        Shape s = Shape.of(d);
        int size = 1;
        for (int x : d) {
            size *= x;
        }
        assertThat(s.size()).as("seed %d", seed).isEqualTo(size);
        int[] st = s.strides();
        for (int i = 0; i < d.length; i++) {
            assertThat(st[i]).as("seed %d axis %d", seed, i).isEqualTo(s.sizeOf(i + 1, d.length));
        }
    }

    private static int[] randomDims(Random rng) {
        int r = rng.nextInt(5);
        int[] d = new int[r];
        for (int i = 0; i < r; i++) {
            d[i] = rng.nextInt(8) == 0 ? 0 : 1 + rng.nextInt(3);
        }
        return d;
    }
}
