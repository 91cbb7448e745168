package org.lrp4j.eval;

import java.util.Locale;

/**
 * Two methods compared on the same images and order: the mean over images of d_i = AUC_i(method) -
 * AUC_i(reference), its standard error sd(d) / sqrt(n), and how many images have d_i &lt; 0. Pairing removes the
 * variation between images, which dominates the standard errors of the two AUCs taken apart; |mean / stderr| above
 * about 2 is a difference the images support. AUCs per image as in {@link FlipCurve} (normalised first when asked).
 */
public record PairedDifference(String method, String reference, Order order, double meanDifference, double stderr,
                               int images, int lower) {

    /** The comparison of {@code method} with {@code reference} in a pixel-flipping result. */
    public static PairedDifference of(PixelFlipping.Result r, String method, String reference, Order order,
            boolean normalize) {
        double[][] a = r.curves(method, order);
        double[][] b = r.curves(reference, order);
        double[] d = new double[a.length];
        int lower = 0;
        for (int i = 0; i < a.length; i++) {
            d[i] = auc(r.fractions(), a[i], normalize) - auc(r.fractions(), b[i], normalize);
            if (d[i] < 0) {
                lower++;
            }
        }
        return new PairedDifference(method, reference, order, FlipCurve.mean(d), FlipCurve.standardError(d), d.length,
                lower);
    }

    private static double auc(double[] fractions, double[] curve, boolean normalize) {
        double a = FlipCurve.auc(fractions, curve);
        return normalize ? a / curve[0] : a;
    }

    /** mean / stderr; NaN when the standard error is 0. */
    public double t() {
        return stderr == 0 ? Double.NaN : meanDifference / stderr;
    }

    /** One markdown row: method - reference, order, mean +- stderr, t, images with a lower AUC. */
    public String markdownRow() {
        return String.format(Locale.ROOT, "| %s | %s | %s | %.4g ± %.2g | %.1f | %d / %d |", method.replace("|", "\\|"),
                reference.replace("|", "\\|"), order.label(), meanDifference, stderr, t(), lower, images);
    }

    public static final String MARKDOWN_HEADER = "| method | reference | order | mean AUC difference (method -"
            + " reference) | t | images where the method's AUC is lower |\n|---|---|---|---:|---:|---:|\n";
}
