package org.lrp4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Model;
import org.lrp4j.patterns.LinearNode;
import org.lrp4j.patterns.PatternFit;
import org.lrp4j.patterns.Patterns;
import org.lrp4j.patterns.SignalQuality;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.viz.LineChart;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j patterns}: fit the patterns of PatternNet / PatternAttribution and measure their quality rho(S). */
@Command(name = "patterns", mixinStandardHelpOptions = true,
        description = {"Patterns for PatternNet and PatternAttribution (Kindermans et al., ICLR 2018).",
                "  fit      estimate a (S_a) and a+/a- (S_a+-) of every Conv and Gemm node from data",
                "  quality  rho(S) per layer for S_x, S_w, S_a, S_a+- and a random direction"},
        subcommands = {PatternsCommand.Fit.class, PatternsCommand.Quality.class})
final class PatternsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    /** Where the inputs come from: --input, --image or --dataset, as the other commands take them. */
    static final class Data {
        @Option(names = "--input", description = "inputs as .npy [N, ...] (float32/float64)")
        Path input;

        @CommandLine.Mixin
        ImageInputOptions images;

        @Option(names = "--dataset", description = "fashion-mnist or mnist: the first --images images (fit: of the"
                + " training split, quality: of the test split)")
        String dataset;

        @Option(names = "--data", description = "folder with the dataset's IDX files (default:"
                + " /usr/share/datasets/fashion-mnist)")
        Path data;

        @Option(names = "--images", paramLabel = "N", description = "with --dataset: how many images (default:"
                + " 10000)")
        Integer count;

        @Option(names = "--batch", defaultValue = "64", description = "inputs per forward pass (default:"
                + " ${DEFAULT-VALUE})")
        int batch;

        /** Checks the choice of source, the batch size and that {@code output} can be written, before any work. */
        void validate(CommandLine cl, Path output, String option) {
            if (batch < 1) {
                throw new CommandLine.ParameterException(cl, "--batch must be at least 1, not " + batch);
            }
            try {
                Outputs.checkWritable(output, option);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cl, e.getMessage(), e);
            }
            int sources = (input != null ? 1 : 0) + (images.given() ? 1 : 0) + (dataset != null ? 1 : 0);
            if (sources != 1) {
                throw new CommandLine.ParameterException(cl, "give the inputs as one of --input X.npy,"
                        + " --dataset fashion-mnist --images N or --image FILE|DIR...");
            }
            if (count != null && dataset == null) {
                throw new CommandLine.ParameterException(cl, "--images applies to --dataset only");
            }
            if (count != null && count < 2) {
                throw new CommandLine.ParameterException(cl, "--images must be at least 2, not " + count);
            }
        }

        Tensor load(Model m, FashionMnist.Split split) throws IOException, org.lrp4j.data.DatasetException {
            Tensor x;
            if (dataset != null) {
                Dataset d = FashionMnist.load(dataset, TrainCommand.dataDir(dataset, data), split);
                EvaluateCommand.checkInput(m, d);
                x = d.head(Math.min(count == null ? 10_000 : count, d.size())).images();
            } else if (images.given()) {
                x = images.load(m).input();
            } else {
                x = InputFiles.readModelInput(input, "--input");
            }
            Model.Input in = m.inputs().get(0);
            if (in.sampleShape() != null && in.sampleShape().rank() != x.rank() - 1) {
                throw new IllegalArgumentException("the inputs have shape " + x.shape() + " but model '" + m.name()
                        + "' takes [N, " + in.sampleShape() + "]");
            }
            return x;
        }
    }

    /** {@code lrp4j patterns fit}. */
    @Command(name = "fit", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Estimate the patterns of every Conv and Gemm node in one streaming pass over the inputs:"
                    + " a = cov[x, y] / var(y) for each neuron y = w^T x (a Conv patch at each position is one"
                    + " observation), and for nodes read by ReLUs only a+ and a- over the inputs with z = y + b > 0"
                    + " and z <= 0. Written as NPZ with a hash of the model's parameters."})
    static final class Fit implements Callable<Integer> {
        @Option(names = "--model", description = "model file (.onnx, or written by 'lrp4j train'); default: the"
                + " embedded Fashion-MNIST CNN of 'lrp4j demo'")
        Path model;

        @CommandLine.Mixin
        Data data;

        @Option(names = "--out", required = true, paramLabel = "P.npz", description = "where to write the patterns")
        Path out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            data.validate(spec.commandLine(), out, "--out");
            Model m = model == null ? DemoCommand.loadModel() : ModelLoader.load(model);
            Tensor x = data.load(m, FashionMnist.Split.TRAIN);
            PatternFit fit = new PatternFit(m, false);
            int n = x.dim(0);
            ProgressBar bar = new ProgressBar(System.err, "patterns fit", "inputs");
            long t0 = System.nanoTime();
            fit.addAll(x, data.batch, done -> bar.update(done, n));
            Patterns p = fit.patterns();
            Outputs.writeVia(out, p::save);
            double seconds = (System.nanoTime() - t0) / 1e9;
            for (String w : p.warnings()) {
                System.err.println("lrp4j patterns fit: warning: " + w);
            }
            System.out.printf(Locale.ROOT, "fitted the patterns of %d nodes on %d inputs in %.1f s%n",
                    p.nodes().size(), n, seconds);
            for (LinearNode node : LinearNode.of(m)) {
                System.out.printf(Locale.ROOT, "  %-12s %-5s %4d neurons x %5d inputs, %,d observations, %s%n",
                        node.name(), node.node().opType(), node.neurons(), node.dimension(),
                        fit.statistics().get(node.name()).count(), node.rectified() ? "a, a+, a- (read by ReLU)"
                                : "a");
            }
            System.out.println("patterns written to " + out);
            return 0;
        }
    }

    /** {@code lrp4j patterns quality}. */
    @Command(name = "quality", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"rho(S) = 1 - max_v corr(w^T x, v^T (x - S(x))) per layer (mean over its neurons) for the"
                    + " estimators S_x (x itself: residual 0, rho = 1 by definition), S_w (along the filter), S_a,"
                    + " S_a+- (S_a for nodes not read by ReLUs) and a random direction. v is the least-squares fit"
                    + " of y on the residual over the first --split of the inputs; the correlation is measured on"
                    + " the rest. High is good: nothing about y is left in the residual."})
    static final class Quality implements Callable<Integer> {
        @Option(names = "--model", description = "model file (.onnx, or written by 'lrp4j train'); default: the"
                + " embedded Fashion-MNIST CNN of 'lrp4j demo'")
        Path model;

        @Option(names = "--patterns", required = true, paramLabel = "P.npz", description = "patterns of the model"
                + " ('lrp4j patterns fit')")
        Path patterns;

        @CommandLine.Mixin
        Data data;

        @Option(names = "--split", defaultValue = "0.5", description = "share of the inputs that fits v; the rest"
                + " reports (default: ${DEFAULT-VALUE})")
        double split;

        @Option(names = "--seed", defaultValue = "0", description = "seed of the random directions (default:"
                + " ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--chart", defaultValue = "rho.png", paramLabel = "FILE.png",
                description = "rho per layer and estimator as a chart (default: ${DEFAULT-VALUE})")
        Path chart;

        @Option(names = "--json", description = "print one JSON object per layer and estimator (node, estimator,"
                + " rho, neurons, note) instead of the table")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            data.validate(spec.commandLine(), chart, "--chart");
            if (!(split > 0 && split < 1)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--split must be in (0, 1), not "
                        + split);
            }
            Model m = model == null ? DemoCommand.loadModel() : ModelLoader.load(model);
            Patterns p = Patterns.load(patterns, m);
            Tensor x = data.load(m, FashionMnist.Split.TEST);
            int n = x.dim(0);
            int cut = (int) Math.round(n * split);
            if (cut < 2 || n - cut < 2) {
                throw new IllegalArgumentException("--split " + split + " of " + n + " inputs leaves fewer than 2 on"
                        + " one side; give more inputs");
            }
            ProgressBar bar = new ProgressBar(System.err, "patterns quality", "inputs");
            long t0 = System.nanoTime();
            PatternFit fitV = new PatternFit(m, true).addAll(x.slice(0, cut), data.batch,
                    done -> bar.update(done, n));
            PatternFit report = new PatternFit(m, true).addAll(x.slice(cut, n), data.batch,
                    done -> bar.update(cut + done, n));
            List<SignalQuality.Rho> rhos = SignalQuality.measure(p, fitV, report, seed);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Outputs.writeVia(chart, f -> javax.imageio.ImageIO.write(LineChart.png("rho(S) per layer, " + (n - cut)
                    + " held-out inputs", List.of(panel(rhos))), "png", f.toFile()));
            if (json) {
                for (SignalQuality.Rho r : rhos) {
                    System.out.println(json(r));
                }
                return 0;
            }
            System.out.printf(Locale.ROOT, "rho(S) = 1 - max_v corr(w^T x, v^T (x - S(x))), mean over each layer's"
                    + " neurons; v fitted on %d inputs, reported on %d; %.1f s%n%n", cut, n - cut, seconds);
            System.out.print(table(rhos));
            System.out.println("chart written to " + chart);
            return 0;
        }

        static String json(SignalQuality.Rho r) {
            return String.format(Locale.ROOT, "{\"node\":\"%s\",\"estimator\":\"%s\",\"rho\":%s,\"neurons\":%d,"
                    + "\"note\":\"%s\"}", r.node().replace("\\", "\\\\").replace("\"", "\\\""),
                    r.estimator().label(), Double.isNaN(r.rho()) ? "null" : String.format(Locale.ROOT, "%.6f",
                            r.rho()), r.neurons(), r.note());
        }

        /** Layers as rows, estimators as columns; notes below. */
        static String table(List<SignalQuality.Rho> rhos) {
            Map<String, Map<SignalQuality.Estimator, SignalQuality.Rho>> byNode = new LinkedHashMap<>();
            for (SignalQuality.Rho r : rhos) {
                byNode.computeIfAbsent(r.node(), k -> new LinkedHashMap<>()).put(r.estimator(), r);
            }
            StringBuilder sb = new StringBuilder("| layer | neurons |");
            StringBuilder rule = new StringBuilder("|---|---:|");
            for (SignalQuality.Estimator e : SignalQuality.Estimator.values()) {
                sb.append(' ').append(e.label()).append(" |");
                rule.append("---:|");
            }
            sb.append('\n').append(rule).append('\n');
            List<String> notes = new ArrayList<>();
            for (var row : byNode.entrySet()) {
                int neurons = row.getValue().values().iterator().next().neurons();
                sb.append("| ").append(row.getKey()).append(" | ").append(neurons).append(" |");
                for (SignalQuality.Estimator e : SignalQuality.Estimator.values()) {
                    SignalQuality.Rho r = row.getValue().get(e);
                    String mark = "";
                    if (r != null && !r.note().isEmpty()) {
                        String note = e.label() + ": " + r.note();
                        if (!notes.contains(note)) {
                            notes.add(note);
                        }
                        mark = "*".repeat(notes.indexOf(note) + 1);
                    }
                    sb.append(' ').append(r == null ? "-" : String.format(Locale.ROOT, "%.3f", r.rho())).append(mark)
                            .append(" |");
                }
                sb.append('\n');
            }
            for (int i = 0; i < notes.size(); i++) {
                sb.append("*".repeat(i + 1)).append(' ').append(notes.get(i)).append('\n');
            }
            return sb.toString();
        }

        static LineChart.Panel panel(List<SignalQuality.Rho> rhos) {
            List<String> nodes = rhos.stream().map(SignalQuality.Rho::node).distinct().toList();
            List<LineChart.Series> series = new ArrayList<>();
            for (SignalQuality.Estimator e : SignalQuality.Estimator.values()) {
                double[] xs = new double[nodes.size()];
                double[] ys = new double[nodes.size()];
                for (int i = 0; i < nodes.size(); i++) {
                    String node = nodes.get(i);
                    xs[i] = i + 1;
                    ys[i] = rhos.stream().filter(r -> r.node().equals(node) && r.estimator() == e).findFirst()
                            .map(SignalQuality.Rho::rho).orElse(Double.NaN);
                }
                series.add(new LineChart.Series(e.label(), xs, ys, null, e == SignalQuality.Estimator.S_X));
            }
            StringBuilder x = new StringBuilder("layer:");
            for (int i = 0; i < nodes.size(); i++) {
                x.append(' ').append(i + 1).append('=').append(nodes.get(i));
            }
            return new LineChart.Panel("rho(S): higher is a better signal estimate", x.toString(), "rho", series);
        }
    }
}
