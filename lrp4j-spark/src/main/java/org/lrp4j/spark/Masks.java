package org.lrp4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Regions of an image in which the share of positive relevance is reported per image, to audit what a classifier
 * looks at: {@code border:K} (the K-pixel frame) and {@code rect:NAME:Y0,X0,Y1,X1} (rows Y0..Y1-1, columns X0..X1-1,
 * e.g. where a watermark sits). The share is sum of max(R, 0) inside over the sum of max(R, 0) in the image (0 when
 * no relevance is positive), R summed over channels.
 */
public record Masks(List<Mask> masks) implements Serializable {

    /** One named region. */
    public record Mask(String name, int y0, int x0, int y1, int x1, boolean border) implements Serializable {
        boolean contains(int y, int x, int h, int w) {
            if (border) {
                return y < y0 || x < y0 || y >= h - y0 || x >= w - y0;
            }
            return y >= this.y0 && y < y1 && x >= this.x0 && x < x1;
        }
    }

    public static Masks parse(List<String> specs) {
        List<Mask> out = new ArrayList<>();
        for (String s : specs) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            try {
                if (t.startsWith("border:")) {
                    int k = Integer.parseInt(t.substring(7));
                    if (k < 1) {
                        throw new IllegalArgumentException("--mask " + s + ": the border must be at least 1 pixel");
                    }
                    out.add(new Mask("border" + k, k, 0, 0, 0, true));
                } else if (t.startsWith("rect:")) {
                    String[] p = s.trim().substring(5).split(":");
                    String[] v = p[1].split(",");
                    out.add(new Mask(p[0], Integer.parseInt(v[0].trim()), Integer.parseInt(v[1].trim()),
                            Integer.parseInt(v[2].trim()), Integer.parseInt(v[3].trim()), false));
                } else {
                    throw new IllegalArgumentException("--mask '" + s + "': write border:K or rect:NAME:Y0,X0,Y1,X1");
                }
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("--mask '" + s + "': write border:K or rect:NAME:Y0,X0,Y1,X1");
            }
        }
        return new Masks(List.copyOf(out));
    }

    /** The share of positive relevance inside each mask, for relevance [C, H, W] at {@code offset}. */
    double[] shares(float[] r, int offset, int c, int h, int w) {
        double total = 0;
        double[] in = new double[masks.size()];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double v = 0;
                for (int ch = 0; ch < c; ch++) {
                    v += r[offset + (ch * h + y) * w + x];
                }
                if (v <= 0) {
                    continue;
                }
                total += v;
                for (int m = 0; m < in.length; m++) {
                    if (masks.get(m).contains(y, x, h, w)) {
                        in[m] += v;
                    }
                }
            }
        }
        for (int m = 0; m < in.length; m++) {
            in[m] = total > 0 ? in[m] / total : 0;
        }
        return in;
    }
}
