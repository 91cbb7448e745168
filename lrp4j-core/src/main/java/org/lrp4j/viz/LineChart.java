package org.lrp4j.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Line charts with shaded bands (e.g. a mean curve +- its standard error), as SVG text and as a PNG image drawn by
 * the same code: panels side by side sharing the y axis range, axes with ticks, one colour per series label across
 * panels and one legend. Text in the PNG needs fonts (see {@link Text}); without them the PNG has no labels.
 */
public final class LineChart {
    private LineChart() {
    }

    /**
     * One line: points (x, y), an optional half-width of the band around it (null: none), dashed or solid, and its
     * colour as 0xRRGGBB, or -1 for the palette's colour of its label.
     */
    public record Series(String label, double[] x, double[] y, double[] band, boolean dashed, int color) {
        public Series {
            if (x.length != y.length || (band != null && band.length != y.length)) {
                throw new IllegalArgumentException("series '" + label + "': x, y and band differ in length");
            }
        }

        /** A series in the palette's colour of its label. */
        public Series(String label, double[] x, double[] y, double[] band, boolean dashed) {
            this(label, x, y, band, dashed, -1);
        }
    }

    /** One plot. */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series) {
    }

    /** Tableau's ten colours, then grays. */
    static final int[] PALETTE = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f,
        0xbcbd22, 0x17becf, 0x393b79, 0x637939, 0x8c6d31, 0x843c39, 0x7b4173};

    private static final int PLOT_W = 380;
    private static final int PLOT_H = 280;
    private static final int LEFT = 62;
    private static final int RIGHT = 18;
    private static final int TOP = 46;
    private static final int BOTTOM = 48;
    private static final int LEGEND_ROW = 17;

    /** What both outputs draw on. */
    private interface Canvas {
        void line(double x1, double y1, double x2, double y2, int rgb, double width, boolean dashed);

        void polyline(double[] xs, double[] ys, int rgb, double width, boolean dashed);

        void fill(double[] xs, double[] ys, int rgb, double opacity);

        /** anchor: -1 start, 0 middle, 1 end; y is the baseline; rotated -90 degrees when {@code vertical}. */
        void text(double x, double y, String s, int size, int anchor, boolean vertical);
    }

    /** The chart as an SVG document. */
    public static String svg(String title, List<Panel> panels) {
        Layout l = new Layout(title, panels);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Arial, sans-serif\">%n", l.width, l.height,
                l.width, l.height));
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", l.width,
                l.height));
        draw(l, new Canvas() {
            @Override
            public void line(double x1, double y1, double x2, double y2, int rgb, double width, boolean dashed) {
                sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\""
                        + " stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n", x1, y1, x2, y2, hex(rgb), width,
                        dashed ? " stroke-dasharray=\"5,4\"" : ""));
            }

            @Override
            public void polyline(double[] xs, double[] ys, int rgb, double width, boolean dashed) {
                sb.append("<polyline fill=\"none\" stroke=\"").append(hex(rgb)).append(String.format(Locale.ROOT,
                        "\" stroke-width=\"%.1f\"%s points=\"", width, dashed ? " stroke-dasharray=\"6,4\"" : ""));
                points(xs, ys);
                sb.append("\"/>\n");
            }

            @Override
            public void fill(double[] xs, double[] ys, int rgb, double opacity) {
                sb.append("<polygon stroke=\"none\" fill=\"").append(hex(rgb)).append(String.format(Locale.ROOT,
                        "\" fill-opacity=\"%.2f\" points=\"", opacity));
                points(xs, ys);
                sb.append("\"/>\n");
            }

            private void points(double[] xs, double[] ys) {
                for (int i = 0; i < xs.length; i++) {
                    sb.append(String.format(Locale.ROOT, "%s%.1f,%.1f", i == 0 ? "" : " ", xs[i], ys[i]));
                }
            }

            @Override
            public void text(double x, double y, String s, int size, int anchor, boolean vertical) {
                String a = anchor < 0 ? "start" : anchor == 0 ? "middle" : "end";
                sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" fill=\"#222222\""
                        + " text-anchor=\"%s\"%s>", x, y, size, a, vertical
                        ? String.format(Locale.ROOT, " transform=\"rotate(-90 %.1f %.1f)\"", x, y) : ""));
                sb.append(escape(s)).append("</text>\n");
            }
        });
        sb.append("</svg>\n");
        return sb.toString();
    }

    /** The chart as an image (2x scale for sharp lines). */
    public static BufferedImage png(String title, List<Panel> panels) {
        Layout l = new Layout(title, panels);
        int scale = 2;
        BufferedImage img = new BufferedImage(l.width * scale, l.height * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, img.getWidth(), img.getHeight());
            g.scale(scale, scale);
            boolean fonts = Text.available();
            draw(l, new Canvas() {
                @Override
                public void line(double x1, double y1, double x2, double y2, int rgb, double width, boolean dashed) {
                    stroke(rgb, width, dashed);
                    g.draw(new java.awt.geom.Line2D.Double(x1, y1, x2, y2));
                }

                @Override
                public void polyline(double[] xs, double[] ys, int rgb, double width, boolean dashed) {
                    stroke(rgb, width, dashed);
                    g.draw(path(xs, ys, false));
                }

                @Override
                public void fill(double[] xs, double[] ys, int rgb, double opacity) {
                    g.setColor(new Color((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, (int) Math.round(255 * opacity)));
                    g.fill(path(xs, ys, true));
                }

                private void stroke(int rgb, double width, boolean dashed) {
                    g.setColor(new Color(rgb));
                    g.setStroke(dashed ? new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND,
                            10f, new float[] {6f, 4f}, 0f) : new BasicStroke((float) width, BasicStroke.CAP_ROUND,
                            BasicStroke.JOIN_ROUND));
                }

                private Path2D path(double[] xs, double[] ys, boolean close) {
                    Path2D.Double p = new Path2D.Double();
                    p.moveTo(xs[0], ys[0]);
                    for (int i = 1; i < xs.length; i++) {
                        p.lineTo(xs[i], ys[i]);
                    }
                    if (close) {
                        p.closePath();
                    }
                    return p;
                }

                @Override
                public void text(double x, double y, String s, int size, int anchor, boolean vertical) {
                    if (!fonts) {
                        return;
                    }
                    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
                    g.setColor(new Color(0x222222));
                    int w = g.getFontMetrics().stringWidth(s);
                    double shift = anchor < 0 ? 0 : anchor == 0 ? -w / 2.0 : -w;
                    AffineTransform saved = g.getTransform();
                    g.translate(x, y);
                    if (vertical) {
                        g.rotate(-Math.PI / 2);
                    }
                    g.drawString(s, (float) shift, 0f);
                    g.setTransform(saved);
                }
            });
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Sizes and the shared data ranges. */
    private static final class Layout {
        final String title;
        final List<Panel> panels;
        final List<String> labels = new ArrayList<>();
        final List<Boolean> dashed = new ArrayList<>();
        final List<Integer> colors = new ArrayList<>();
        final double xMin;
        final double xMax;
        final double[] yTicks;
        final int legendWidth;
        final int width;
        final int height;

        Layout(String title, List<Panel> panels) {
            if (panels.isEmpty()) {
                throw new IllegalArgumentException("a chart needs at least one panel");
            }
            this.title = title;
            this.panels = panels;
            double x0 = Double.POSITIVE_INFINITY;
            double x1 = Double.NEGATIVE_INFINITY;
            double y0 = Double.POSITIVE_INFINITY;
            double y1 = Double.NEGATIVE_INFINITY;
            int longest = 0;
            for (Panel p : panels) {
                for (Series s : p.series()) {
                    if (!labels.contains(s.label())) {
                        labels.add(s.label());
                        dashed.add(s.dashed());
                        colors.add(s.color());
                        longest = Math.max(longest, s.label().length());
                    }
                    for (int i = 0; i < s.x().length; i++) {
                        double b = s.band() == null ? 0 : Math.abs(s.band()[i]);
                        if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                            x0 = Math.min(x0, s.x()[i]);
                            x1 = Math.max(x1, s.x()[i]);
                            y0 = Math.min(y0, s.y()[i] - b);
                            y1 = Math.max(y1, s.y()[i] + b);
                        }
                    }
                }
            }
            if (!Double.isFinite(x0)) {
                x0 = 0;
                x1 = 1;
                y0 = 0;
                y1 = 1;
            }
            if (x1 == x0) {
                x1 = x0 + 1;
            }
            xMin = x0;
            xMax = x1;
            yTicks = ticks(y0, y1);
            legendWidth = 34 + (int) Math.ceil(longest * 6.4);
            width = panels.size() * (LEFT + PLOT_W + RIGHT) + legendWidth + 10;
            height = Math.max(TOP + PLOT_H + BOTTOM, TOP + labels.size() * LEGEND_ROW + 20);
        }

        /** The series' own colour, else the palette's in the order of the labels that take it. */
        int color(String label) {
            int i = labels.indexOf(label);
            if (colors.get(i) >= 0) {
                return colors.get(i);
            }
            int k = 0;
            for (int j = 0; j < i; j++) {
                k += colors.get(j) < 0 ? 1 : 0;
            }
            return PALETTE[k % PALETTE.length];
        }
    }

    private static void draw(Layout l, Canvas c) {
        if (l.title != null && !l.title.isEmpty()) {
            c.text(l.width / 2.0, 20, l.title, 14, 0, false);
        }
        double yLo = l.yTicks[0];
        double yHi = l.yTicks[l.yTicks.length - 1];
        double[] xTicks = ticks(l.xMin, l.xMax);
        for (int p = 0; p < l.panels.size(); p++) {
            Panel panel = l.panels.get(p);
            double left = p * (LEFT + PLOT_W + RIGHT) + LEFT;
            double top = TOP;
            java.util.function.DoubleUnaryOperator px = v -> left + (v - l.xMin) / (l.xMax - l.xMin) * PLOT_W;
            java.util.function.DoubleUnaryOperator py = v -> top + (yHi - v) / (yHi - yLo) * PLOT_H;
            for (double t : l.yTicks) {
                double y = py.applyAsDouble(t);
                c.line(left, y, left + PLOT_W, y, 0xe6e6e6, 1, false);
                c.line(left - 4, y, left, y, 0x444444, 1, false);
                c.text(left - 7, y + 4, tick(t, l.yTicks), 11, 1, false);
            }
            for (double t : xTicks) {
                if (t < l.xMin - 1e-12 || t > l.xMax + 1e-12) {
                    continue;
                }
                double x = px.applyAsDouble(t);
                c.line(x, top + PLOT_H, x, top + PLOT_H + 4, 0x444444, 1, false);
                c.text(x, top + PLOT_H + 17, tick(t, xTicks), 11, 0, false);
            }
            c.line(left, top, left, top + PLOT_H, 0x444444, 1, false);
            c.line(left, top + PLOT_H, left + PLOT_W, top + PLOT_H, 0x444444, 1, false);
            c.text(left + PLOT_W / 2.0, top - 8, panel.title(), 12, 0, false);
            c.text(left + PLOT_W / 2.0, top + PLOT_H + 38, panel.xLabel(), 11, 0, false);
            c.text(left - 46, top + PLOT_H / 2.0, panel.yLabel(), 11, 0, true);
            for (Series s : panel.series()) {
                int n = s.x().length;
                double[] xs = new double[n];
                double[] ys = new double[n];
                for (int i = 0; i < n; i++) {
                    xs[i] = px.applyAsDouble(s.x()[i]);
                    ys[i] = py.applyAsDouble(s.y()[i]);
                }
                int rgb = l.color(s.label());
                if (s.band() != null && n > 1) {
                    double[] bx = new double[2 * n];
                    double[] by = new double[2 * n];
                    for (int i = 0; i < n; i++) {
                        bx[i] = xs[i];
                        by[i] = py.applyAsDouble(s.y()[i] + s.band()[i]);
                        bx[2 * n - 1 - i] = xs[i];
                        by[2 * n - 1 - i] = py.applyAsDouble(s.y()[i] - s.band()[i]);
                    }
                    c.fill(bx, by, rgb, 0.18);
                }
                c.polyline(xs, ys, rgb, 1.8, s.dashed());
            }
        }
        double lx = l.panels.size() * (LEFT + PLOT_W + RIGHT) + 4;
        for (int i = 0; i < l.labels.size(); i++) {
            double y = TOP + 6 + i * LEGEND_ROW;
            c.line(lx, y, lx + 22, y, l.color(l.labels.get(i)), 2.2, l.dashed.get(i));
            c.text(lx + 28, y + 4, l.labels.get(i), 11, -1, false);
        }
    }

    /** About five round tick values covering [lo, hi]; the first and last enclose the range. */
    static double[] ticks(double lo, double hi) {
        if (!(hi > lo)) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            lo -= pad;
            hi += pad;
        }
        double raw = (hi - lo) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag * (raw / mag < 1.5 ? 1 : raw / mag < 3 ? 2 : raw / mag < 7 ? 5 : 10);
        double start = Math.floor(lo / step) * step;
        int count = (int) Math.ceil((hi - start) / step - 1e-9) + 1;
        double[] t = new double[Math.max(2, count)];
        for (int i = 0; i < t.length; i++) {
            t[i] = start + i * step;
        }
        return t;
    }

    private static String tick(double v, double[] ticks) {
        double step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (Math.abs(v) < step * 1e-6) {
            v = 0;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xffffff);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
