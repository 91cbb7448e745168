package org.lrp4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.tensor.Tensor;

class BiasTest {
    static final float MEAN = FashionMnist.MEAN;
    static final float STD = FashionMnist.STD;
    static final int N = 2000;

    /** Grey images with pixels uniform in [0, 1], normalised like Fashion-MNIST; labels cycle through 10 classes. */
    static Dataset grey() {
        SplittableRandom r = new SplittableRandom(5);
        float[] d = new float[N * 8 * 8];
        for (int i = 0; i < d.length; i++) {
            d[i] = ((float) r.nextDouble() - MEAN) / STD;
        }
        int[] y = new int[N];
        for (int i = 0; i < N; i++) {
            y[i] = (i * 7 + i / 10) % 10;
        }
        return new Dataset("grey", Tensor.wrap(d, N, 1, 8, 8), y, FashionMnist.CLASS_NAMES);
    }

    static float pixel(Tensor t, int i, int c, int r, int col) {
        return t.get(i, c, r, col) * STD + MEAN;
    }

    @Test
    void colourIidTintsEveryImageWithItsClassColour() {
        Dataset g = grey();
        Bias.Biased b = Bias.parse("colour").apply(g, MEAN, STD, 1);
        assertThat(b.data().images().dims()).containsExactly(N, 3, 8, 8);
        assertThat(b.cues()).containsExactly(g.labels());
        assertTinted(g, b);
    }

    @Test
    void colourOodTintIsUniformAndIndependentOfTheClass() {
        Dataset g = grey();
        Bias.Biased b = Bias.parse("colour:random").apply(g, MEAN, STD, 1);
        int[] count = new int[10];
        int same = 0;
        for (int i = 0; i < N; i++) {
            count[b.cues()[i]]++;
            same += b.cues()[i] == g.labels()[i] ? 1 : 0;
        }
        for (int c : count) {
            assertThat(c / (double) N).isBetween(0.07, 0.13);
        }
        assertThat(same / (double) N).isBetween(0.07, 0.13);
        assertTinted(g, b);
    }

    @Test
    void colourShiftAlwaysCarriesAnotherClassTint() {
        Dataset g = grey();
        Bias.Biased b = Bias.parse("colour:shift").apply(g, MEAN, STD, 1);
        int[] count = new int[10];
        for (int i = 0; i < N; i++) {
            assertThat(b.cues()[i]).isNotEqualTo(g.labels()[i]);
            count[b.cues()[i]]++;
        }
        assertThat(java.util.Arrays.stream(count).min().getAsInt()).isGreaterThan(N / 20);
        assertTinted(g, b);
    }

    /** Each channel is the grey pixel times the tint of the image's cue (where the pixel is not dark). */
    private static void assertTinted(Dataset g, Bias.Biased b) {
        for (int i = 0; i < N; i += 7) {
            for (int c = 0; c < 3; c++) {
                for (int r = 0; r < 8; r += 3) {
                    float p = pixel(g.images(), i, 0, r, r);
                    if (p > 0.1f) {
                        assertThat(pixel(b.data().images(), i, c, r, r) / p).isCloseTo(Bias.tint(b.cues()[i], c),
                                org.assertj.core.data.Offset.offset(1e-3f));
                    }
                }
            }
        }
    }

    @Test
    void watermarkSplitsCarryTheOwnNoneOrAWrongClassPatchAndLeaveTheRestAlone() {
        Dataset g = grey();
        Bias.Biased iid = Bias.parse("watermark").apply(g, MEAN, STD, 1);
        Bias.Biased none = Bias.parse("watermark:none").apply(g, MEAN, STD, 1);
        Bias.Biased shift = Bias.parse("watermark:shift").apply(g, MEAN, STD, 1);
        assertThat(iid.data().images().dims()).containsExactly(N, 1, 8, 8);
        assertThat(iid.cues()).containsExactly(g.labels());
        assertThat(none.cues()).containsOnly(-1);
        assertThat(none.data().images().toArray()).containsExactly(g.images().toArray());
        for (int i = 0; i < N; i++) {
            assertThat(shift.cues()[i]).isNotEqualTo(g.labels()[i]);
            for (int r = 0; r < 8; r++) {
                for (int c = 0; c < 8; c++) {
                    boolean inPatch = r < Bias.PATCH && c < Bias.PATCH;
                    float grey = pixel(g.images(), i, 0, r, c);
                    float want = inPatch ? (Bias.patch(g.labels()[i], r, c) ? 1f : 0f) : grey;
                    assertThat(pixel(iid.data().images(), i, 0, r, c)).isCloseTo(want,
                            org.assertj.core.data.Offset.offset(1e-5f));
                    float wantShift = inPatch ? (Bias.patch(shift.cues()[i], r, c) ? 1f : 0f) : grey;
                    assertThat(pixel(shift.data().images(), i, 0, r, c)).isCloseTo(wantShift,
                            org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }

    @Test
    void everyClassHasItsOwnPatch() {
        for (int a = 0; a < 10; a++) {
            for (int b = a + 1; b < 10; b++) {
                boolean differ = false;
                for (int k = 0; k < Bias.PATCH * Bias.PATCH; k++) {
                    differ |= Bias.patch(a, k / Bias.PATCH, k % Bias.PATCH) != Bias.patch(b, k / Bias.PATCH,
                            k % Bias.PATCH);
                }
                assertThat(differ).as("patches of %d and %d", a, b).isTrue();
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameImagesAndAnotherSeedOtherTints() {
        Dataset g = grey();
        Bias ood = Bias.parse("colour:ood");
        assertThat(ood.apply(g, MEAN, STD, 3).cues()).containsExactly(ood.apply(g, MEAN, STD, 3).cues());
        assertThat(ood.apply(g, MEAN, STD, 3).cues()).isNotEqualTo(ood.apply(g, MEAN, STD, 4).cues());
    }

    @Test
    void parseNamesTheUnbiasedFormsAndRejectsTheRest() {
        assertThat(Bias.parse("colour:random")).isEqualTo(new Bias(Bias.Kind.COLOUR, Bias.Split.OOD));
        assertThat(Bias.parse("watermark:none")).isEqualTo(new Bias(Bias.Kind.WATERMARK, Bias.Split.OOD));
        assertThat(Bias.parse("none").kind()).isEqualTo(Bias.Kind.NONE);
        for (String bad : List.of("colour:none", "watermark:random", "stripes", "colour:test")) {
            assertThatThrownBy(() -> Bias.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining("\n");
        }
    }
}
