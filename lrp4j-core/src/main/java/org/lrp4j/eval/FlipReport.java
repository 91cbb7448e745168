package org.lrp4j.eval;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.lrp4j.viz.LineChart;

/**
 * The outputs of a pixel-flipping run: the mean curves as CSV, the summary (method x order x metric) as a markdown
 * table, one JSON object per (method, order), and the chart panels (one per order, one line per method with its
 * standard-error band).
 */
public final class FlipReport {
    private FlipReport() {
    }

    /** {@code method,order,step,fraction,mean,stderr,images}, one row per curve point. */
    public static String csv(List<FlipCurve> curves) {
        StringBuilder sb = new StringBuilder("method,order,step,fraction,mean,stderr,images\n");
        for (FlipCurve c : curves) {
            for (int t = 0; t < c.curve().length; t++) {
                sb.append(csvField(c.method())).append(',').append(c.order().label()).append(',').append(t).append(',')
                        .append(num(c.fractions()[t])).append(',').append(num(c.curve()[t])).append(',')
                        .append(num(c.stderr()[t])).append(',').append(c.images()).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * One JSON object: method, order, fractions, curve, stderr, auc, auc_stderr, aopc, images, and the run's score
     * and normalisation.
     */
    public static String json(FlipCurve c, Score score, boolean normalize) {
        return "{\"method\":" + str(c.method()) + ",\"order\":" + str(c.order().label()) + ",\"score\":"
                + str(score.label()) + ",\"normalized\":" + normalize + ",\"images\":" + c.images() + ",\"auc\":"
                + num(c.auc()) + ",\"auc_stderr\":" + num(c.aucStderr()) + ",\"aopc\":" + num(c.aopc())
                + ",\"fractions\":" + array(c.fractions()) + ",\"curve\":" + array(c.curve()) + ",\"stderr\":"
                + array(c.stderr()) + "}";
    }

    /** One JSON object: method, reference, order, auc_difference, stderr, t, images, lower. */
    public static String json(PairedDifference d) {
        return "{\"method\":" + str(d.method()) + ",\"reference\":" + str(d.reference()) + ",\"order\":"
                + str(d.order().label()) + ",\"auc_difference\":" + num(d.meanDifference()) + ",\"stderr\":"
                + num(d.stderr()) + ",\"t\":" + num(d.t()) + ",\"images\":" + d.images() + ",\"lower\":"
                + d.lower() + "}";
    }

    /** The paired comparisons as a markdown table, one row per (pair, order). */
    public static String markdownPaired(List<PairedDifference> paired) {
        StringBuilder sb = new StringBuilder(PairedDifference.MARKDOWN_HEADER);
        for (PairedDifference d : paired) {
            sb.append(d.markdownRow()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The markdown table: one row per method; per order its AUC (+- standard error over images) and AOPC; then
     * the LeRF - MoRF AUC gap and the MoRF AUC minus the random order's, when those orders were run.
     */
    public static String markdown(List<FlipCurve> curves) {
        Set<String> methods = new LinkedHashSet<>();
        List<Order> orders = new ArrayList<>();
        for (FlipCurve c : curves) {
            methods.add(c.method());
            if (!orders.contains(c.order())) {
                orders.add(c.order());
            }
        }
        StringBuilder head = new StringBuilder("| method |");
        StringBuilder rule = new StringBuilder("|---|");
        for (Order o : orders) {
            head.append(" AUC ").append(o.label()).append(" | AOPC ").append(o.label()).append(" |");
            rule.append("---:|---:|");
        }
        boolean gap = orders.contains(Order.MORF) && orders.contains(Order.LERF);
        boolean vsRandom = orders.contains(Order.MORF) && orders.contains(Order.RANDOM);
        if (gap) {
            head.append(" LeRF - MoRF AUC |");
            rule.append("---:|");
        }
        if (vsRandom) {
            head.append(" MoRF - random AUC |");
            rule.append("---:|");
        }
        StringBuilder sb = new StringBuilder().append(head).append('\n').append(rule).append('\n');
        for (String m : methods) {
            sb.append("| ").append(m.replace("|", "\\|")).append(" |");
            for (Order o : orders) {
                FlipCurve c = find(curves, m, o);
                sb.append(String.format(Locale.ROOT, " %s ± %s | %s |", fmt(c.auc()), fmt(c.aucStderr()),
                        fmt(c.aopc())));
            }
            if (gap) {
                sb.append(' ').append(fmt(find(curves, m, Order.LERF).auc() - find(curves, m, Order.MORF).auc()))
                        .append(" |");
            }
            if (vsRandom) {
                sb.append(' ').append(fmt(find(curves, m, Order.MORF).auc() - find(curves, m, Order.RANDOM).auc()))
                        .append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /**
     * The chart: one panel per relevance-driven order with every method's mean curve and standard-error band. The
     * random order is the same for every method, so it is drawn once, as a gray dashed line in each of those panels
     * (its own panel only when it is the only order).
     */
    public static List<LineChart.Panel> panels(List<FlipCurve> curves, Score score, boolean normalize) {
        List<Order> orders = new ArrayList<>();
        FlipCurve random = null;
        for (FlipCurve c : curves) {
            if (!orders.contains(c.order())) {
                orders.add(c.order());
            }
            if (c.order() == Order.RANDOM && random == null) {
                random = c;
            }
        }
        boolean overlay = random != null && orders.size() > 1;
        String y = (score == Score.PROB ? "probability" : "logit") + " of the target" + (normalize
                ? " / unperturbed" : "");
        List<LineChart.Panel> panels = new ArrayList<>();
        for (Order o : orders) {
            if (overlay && o == Order.RANDOM) {
                continue;
            }
            List<LineChart.Series> series = new ArrayList<>();
            for (FlipCurve c : curves) {
                if (c.order() == o) {
                    series.add(new LineChart.Series(c.method(), c.fractions(), c.curve(), c.stderr(),
                            c.method().equalsIgnoreCase("random")));
                }
            }
            if (overlay) {
                series.add(new LineChart.Series("random order", random.fractions(), random.curve(), random.stderr(),
                        true, 0x555555));
            }
            panels.add(new LineChart.Panel(title(o), "fraction of regions perturbed", y, series));
        }
        return panels;
    }

    private static String title(Order o) {
        return switch (o) {
            case MORF -> "MoRF (most relevant first)";
            case LERF -> "LeRF (least relevant first)";
            case RANDOM -> "random order";
        };
    }

    static FlipCurve find(List<FlipCurve> curves, String method, Order order) {
        for (FlipCurve c : curves) {
            if (c.method().equals(method) && c.order() == order) {
                return c;
            }
        }
        throw new IllegalArgumentException("no curve for " + method + " / " + order.label());
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4g", v);
    }

    private static String num(double v) {
        if (!Double.isFinite(v)) {
            return "null";
        }
        return Double.toString(v);
    }

    private static String array(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(num(v[i]));
        }
        return sb.append(']').toString();
    }

    private static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
