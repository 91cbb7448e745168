package org.lrp4j.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.lrp4j.tensor.Tensor;

/**
 * A shortcut planted in (Fashion-)MNIST images, generated on the fly from the grey images with a seed, and the
 * test split it is seen in.
 *
 * <ul>
 *   <li><b>colour</b>: the grey image p (in [0, 1]) becomes three channels p * tint. In the {@code iid} split
 *   (the biased training distribution) every class has its own tint ({@link #tint}); in {@code ood} the tint is
 *   one of the ten drawn uniformly at random, independent of the class; in {@code shift} it is the tint of a
 *   uniformly drawn other class.</li>
 *   <li><b>watermark</b>: a 4x4 binary patch ({@link #patch}) over the top-left corner. {@code iid}: the patch of
 *   the image's class; {@code ood}: no patch; {@code shift}: the patch of a uniformly drawn other class.</li>
 *   <li><b>none</b>: the images unchanged (every split).</li>
 * </ul>
 * Inputs are normalised as the grey images were: (v - mean) / std on every channel.
 */
public record Bias(Kind kind, Split split) {

    /** The kind of shortcut. */
    public enum Kind {
        NONE, COLOUR, WATERMARK;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where the shortcut agrees with the label (iid), carries no information (ood) or points elsewhere (shift). */
    public enum Split {
        IID, OOD, SHIFT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** {@code iid}, {@code ood} or {@code shift}. */
        public static Split parse(String text) {
            for (Split s : values()) {
                if (s.label().equals(text.toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown split '" + text + "'; choose iid, ood or shift");
        }
    }

    /** The class tints (RGB in [0, 1]): red, green, blue, yellow, magenta, cyan, orange, violet, white, brown. */
    private static final List<float[]> TINTS = List.of(new float[] {1f, .1f, .1f}, new float[] {.1f, 1f, .1f},
            new float[] {.15f, .3f, 1f}, new float[] {1f, 1f, .1f}, new float[] {1f, .1f, 1f},
            new float[] {.1f, 1f, 1f}, new float[] {1f, .55f, .05f}, new float[] {.55f, .2f, 1f},
            new float[] {1f, 1f, 1f}, new float[] {.6f, .35f, .15f});

    /** Channel {@code channel} (0 red, 1 green, 2 blue) of class {@code k}'s tint. */
    public static float tint(int k, int channel) {
        return TINTS.get(k)[channel];
    }

    /** Side of the watermark patch in pixels. */
    public static final int PATCH = 4;

    /** The sixteen patch bits of each class (row-major), distinct and each with 7 to 9 bits set. */
    private static final List<Integer> PATCH_CODES = List.of(0x9A3C, 0x5E81, 0xC3A5, 0x2B6D, 0x71C6, 0xE419,
            0x36F0, 0x8D5A, 0x4C97, 0xB263);

    public Bias {
        if (kind == null || split == null) {
            throw new IllegalArgumentException("bias: kind and split are required");
        }
    }

    /**
     * Reads {@code none}, {@code colour}, {@code watermark}, optionally with a split after a colon
     * ({@code colour:ood}); {@code colour:random} and {@code watermark:none} name the unbiased ({@code ood}) form.
     * Without a split the biased training distribution ({@code iid}).
     */
    public static Bias parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int colon = t.indexOf(':');
        String kindText = colon < 0 ? t : t.substring(0, colon);
        String splitText = colon < 0 ? "iid" : t.substring(colon + 1);
        Kind kind = switch (kindText) {
            case "none" -> Kind.NONE;
            case "colour", "color" -> Kind.COLOUR;
            case "watermark" -> Kind.WATERMARK;
            default -> throw new IllegalArgumentException("unknown bias '" + text + "'; choose none, colour,"
                    + " colour:random, watermark or watermark:none (optionally :iid, :ood or :shift)");
        };
        Split split = switch (splitText) {
            case "random" -> {
                if (kind != Kind.COLOUR) {
                    throw new IllegalArgumentException("bias '" + text + "': ':random' applies to colour; use"
                            + " watermark:none for images without a watermark");
                }
                yield Split.OOD;
            }
            case "none" -> {
                if (kind != Kind.WATERMARK) {
                    throw new IllegalArgumentException("bias '" + text + "': ':none' applies to watermark; use"
                            + " colour:random for random tints");
                }
                yield Split.OOD;
            }
            default -> Split.parse(splitText);
        };
        return new Bias(kind, split);
    }

    /** The same kind in another split. */
    public Bias in(Split other) {
        return new Bias(kind, other);
    }

    /** Channels of the images this bias makes from grey images. */
    public int channels() {
        return kind == Kind.COLOUR ? 3 : 1;
    }

    /** E.g. {@code colour:ood}. */
    public String describe() {
        return kind.label() + ":" + split.label();
    }

    /** Whether bit (row, column) of class {@code k}'s watermark is set. */
    public static boolean patch(int k, int row, int column) {
        return (PATCH_CODES.get(k) >> (row * PATCH + column) & 1) == 1;
    }

    /**
     * Biased images and, per image, the cue planted in it: the class whose tint or patch it carries, or -1 (no
     * patch, or no bias).
     */
    public record Biased(Dataset data, int[] cues) {
    }

    /**
     * Plants the shortcut in {@code grey} (one channel, normalised with {@code mean} and {@code std}); the same
     * seed gives the same images.
     */
    public Biased apply(Dataset grey, float mean, float std, long seed) {
        Tensor x = grey.images();
        if (x.rank() != 4 || x.dim(1) != 1) {
            throw new IllegalArgumentException("bias " + describe() + ": expects grey images [N, 1, H, W] but "
                    + grey.name() + " has " + x.shape());
        }
        int classes = grey.classNames().size();
        if (kind != Kind.NONE && classes > TINTS.size()) {
            throw new IllegalArgumentException("bias " + describe() + ": has cues for " + TINTS.size()
                    + " classes but " + grey.name() + " has " + classes);
        }
        int n = x.dim(0);
        int h = x.dim(2);
        int w = x.dim(3);
        int per = h * w;
        SplittableRandom rng = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (kind.ordinal() + 1))
                ^ (0xBF58476D1CE4E5B9L * (split.ordinal() + 1)));
        int[] cues = new int[n];
        int[] labels = grey.labels();
        for (int i = 0; i < n; i++) {
            cues[i] = switch (kind) {
                case NONE -> -1;
                case COLOUR, WATERMARK -> switch (split) {
                    case IID -> labels[i];
                    case OOD -> kind == Kind.COLOUR ? rng.nextInt(classes) : -1;
                    case SHIFT -> (labels[i] + 1 + rng.nextInt(classes - 1)) % classes;
                };
            };
        }
        float[] src = x.data();
        int off = x.offset();
        int c = channels();
        float[] out = new float[n * c * per];
        for (int i = 0; i < n; i++) {
            int base = off + i * per;
            for (int ch = 0; ch < c; ch++) {
                int dst = (i * c + ch) * per;
                float tint = kind == Kind.COLOUR ? tint(cues[i], ch) : 1f;
                if (kind != Kind.COLOUR) {
                    System.arraycopy(src, base, out, dst, per);
                    continue;
                }
                for (int j = 0; j < per; j++) {
                    float p = src[base + j] * std + mean;
                    out[dst + j] = (p * tint - mean) / std;
                }
            }
            if (kind == Kind.WATERMARK && cues[i] >= 0) {
                for (int r = 0; r < PATCH && r < h; r++) {
                    for (int col = 0; col < PATCH && col < w; col++) {
                        out[i * per + r * w + col] = ((patch(cues[i], r, col) ? 1f : 0f) - mean) / std;
                    }
                }
            }
        }
        String name = grey.name() + "-" + kind.label() + "-" + split.label();
        return new Biased(new Dataset(name, Tensor.wrap(out, n, c, h, w), Arrays.copyOf(labels, n),
                grey.classNames()), cues);
    }
}
