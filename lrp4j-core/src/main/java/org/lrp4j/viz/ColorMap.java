package org.lrp4j.viz;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Colour maps for heatmaps, each a piecewise-linear curve through control points (position, RGB 0..255); a
 * colour between two points is interpolated per channel and rounded half up.
 *
 * <p>Signed maps take the normalised relevance v in [-1, 1] directly: positive relevance is red, negative blue,
 * zero the centre colour.
 * <ul>
 * <li>{@code bwr}: -1 blue (0,0,255), 0 white, +1 red (255,0,0) (matplotlib's and Zennit's bwr);</li>
 * <li>{@code seismic}: -1 dark blue (0,0,77), -0.5 blue (0,0,255), 0 white, +0.5 red (255,0,0), +1 dark red
 * (128,0,0) (matplotlib's seismic, 0.3 and 0.5 rounded to 8 bits);</li>
 * <li>{@code coldnhot}: -1 cyan (0,255,255), -0.5 blue, 0 black, +1/3 red, +2/3 yellow (255,255,0), +1 white
 * (Zennit's coldnhot: reversed "cold" and "hot" around black);</li>
 * <li>{@code red-blue}: ColorBrewer RdBu reversed (matplotlib's RdBu_r), 11 points from dark blue (5,48,97) at -1
 * over light gray (247,247,247) at 0 to dark red (103,0,31) at +1.</li>
 * </ul>
 * Unsigned maps show positive relevance only: v is clipped to [0, 1] first, so negative relevance looks like
 * zero relevance; use a signed map to see negative evidence.
 * <ul>
 * <li>{@code hot}: 0 black, 1/3 red, 2/3 yellow, 1 white;</li>
 * <li>{@code gray}: 0 black, 1 white.</li>
 * </ul>
 */
public enum ColorMap {
    BWR("bwr", true, new float[] {-1, 0, 1}, new int[] {0x0000ff, 0xffffff, 0xff0000}),
    SEISMIC("seismic", true, new float[] {-1, -0.5f, 0, 0.5f, 1},
            new int[] {0x00004d, 0x0000ff, 0xffffff, 0xff0000, 0x800000}),
    COLDNHOT("coldnhot", true, new float[] {-1, -0.5f, 0, 1 / 3f, 2 / 3f, 1},
            new int[] {0x00ffff, 0x0000ff, 0x000000, 0xff0000, 0xffff00, 0xffffff}),
    RED_BLUE("red-blue", true, new float[] {-1, -0.8f, -0.6f, -0.4f, -0.2f, 0, 0.2f, 0.4f, 0.6f, 0.8f, 1},
            new int[] {0x053061, 0x2166ac, 0x4393c3, 0x92c5de, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xf4a582, 0xd6604d,
                    0xb2182b, 0x67001f}),
    HOT("hot", false, new float[] {0, 1 / 3f, 2 / 3f, 1}, new int[] {0x000000, 0xff0000, 0xffff00, 0xffffff}),
    GRAY("gray", false, new float[] {0, 1}, new int[] {0x000000, 0xffffff});

    private final String id;
    private final boolean signed;
    private final float[] positions;
    private final int[] colors;

    ColorMap(String id, boolean signed, float[] positions, int[] colors) {
        this.id = id;
        this.signed = signed;
        this.positions = positions;
        this.colors = colors;
    }

    /** The names {@link #parse} accepts. */
    public static final List<String> NAMES = Arrays.stream(values()).map(ColorMap::id).toList();

    public String id() {
        return id;
    }

    /** True when negative relevance has its own colours (false for hot and gray). */
    public boolean signed() {
        return signed;
    }

    /** The value this map shows for normalised relevance v: v clipped to [-1, 1], or to [0, 1] if unsigned. */
    public float clip(float v) {
        if (Float.isNaN(v)) {
            return 0f;
        }
        return Math.max(signed ? -1f : 0f, Math.min(1f, v));
    }

    /** The colour (0xRRGGBB) of normalised relevance v (clipped as {@link #clip}). */
    public int rgb(float v) {
        float x = clip(v);
        int k = 0;
        while (k < positions.length - 2 && x > positions[k + 1]) {
            k++;
        }
        float t = (x - positions[k]) / (positions[k + 1] - positions[k]);
        t = Math.max(0f, Math.min(1f, t));
        int a = colors[k];
        int b = colors[k + 1];
        return (lerp(a >> 16, b >> 16, t) << 16) | (lerp((a >> 8) & 0xff, (b >> 8) & 0xff, t) << 8)
                | lerp(a & 0xff, b & 0xff, t);
    }

    private static int lerp(int a, int b, float t) {
        a &= 0xff;
        b &= 0xff;
        return (int) Math.floor(a + (double) t * (b - a) + 0.5);
    }

    public static ColorMap parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (ColorMap m : values()) {
            if (m.id.equals(n)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown colour map '" + name + "'; choose one of " + NAMES);
    }
}
