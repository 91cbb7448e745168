package org.lrp4j.cli;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import javax.imageio.ImageIO;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.data.Bias;
import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.EpsilonRelevance;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Parallel;
import org.lrp4j.train.Adam;
import org.lrp4j.train.Distillation;
import org.lrp4j.train.EpochResult;
import org.lrp4j.train.ProgressListener;
import org.lrp4j.train.Trainer;
import org.lrp4j.viz.Grid;
import org.lrp4j.viz.Heatmap;
import org.lrp4j.viz.LineChart;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lrp4j tea-experiment}: the whole TEA experiment on biased Fashion-MNIST. A teacher learns on unbiased
 * images (random tints, or no watermark); on the biased images (each class its tint or patch) an ERM model learns
 * from labels, and two students learn from the teacher without labels, one on its logits and one on its heatmaps
 * (TEA). All four are measured on the iid, ood and shift test splits.
 */
@Command(name = "tea-experiment", mixinStandardHelpOptions = true,
        description = {"Train a teacher on unbiased images, then on biased images (each class its own tint or"
                + " watermark) an ERM model on labels and two students without labels: on the teacher's logits and on"
                + " its LRP-epsilon heatmaps (TEA). Prints accuracy on the iid, ood and shift test splits and writes"
                + " curves.png/.svg (training curves), heatmaps.png and results.json to --out."})
final class TeaExperimentCommand implements Callable<Integer> {

    @Option(names = "--bias", required = true, description = "colour or watermark")
    String bias;

    @Option(names = "--quick", description = "the small configuration (6000 training images, 2000 test images per"
            + " split, 3 epochs for teacher and ERM, 8 for the students; about 3 minutes on two cores)")
    boolean quick;

    @Option(names = "--json", description = "end with one JSON object: accuracy per model and split")
    boolean json;

    @Option(names = "--out", required = true, description = "folder for curves.png, curves.svg, heatmaps.png and"
            + " results.json")
    Path out;

    @Option(names = "--data", description = "folder with the Fashion-MNIST IDX files (default:"
            + " /usr/share/datasets/fashion-mnist)")
    Path data;

    @Option(names = "--train-images", description = "training images (default: 6000 with --quick, else 20000)")
    Integer trainImages;

    @Option(names = "--test-images", description = "test images per split (default: 2000 with --quick, else 10000)")
    Integer testImages;

    @Option(names = "--epochs", description = "epochs of every model (default with --quick: 3 for teacher and ERM,"
            + " 8 for the students; else 5 and 10)")
    Integer epochs;

    @Option(names = "--tea-lr", defaultValue = "0.02", description = "SGD learning rate of the TEA student"
            + " (default: ${DEFAULT-VALUE})")
    float teaLr;

    @Option(names = "--student-biases", description = "give the students' Conv and Gemm layers biases (default:"
            + " none)")
    boolean studentBiases;

    @Option(names = "--seed", defaultValue = "1", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", description = "threads for the kernels (default: all cores)")
    Integer threads;

    static final String ARCH = "cnn";
    static final List<String> MODELS = List.of("teacher", "erm", "logit", "tea");

    /** The size of a run. */
    record Setup(int train, int validation, int test, int epochs, int studentEpochs, int batch, float adamLr,
                 float logitLr, float teaLr) {
    }

    /** One model's curve: accuracy on the iid and ood curve sets after each epoch, and its training throughput. */
    static final class Curve {
        final List<Double> epoch = new ArrayList<>();
        final List<Double> iid = new ArrayList<>();
        final List<Double> ood = new ArrayList<>();
        double seconds;
        long images;
        /** Seconds spent on curve points inside the current epoch (not training time). */
        double measuring;

        /** Accuracy on the curve sets (never used for training or model selection). */
        void point(Model m, double at, Dataset iidSet, Dataset oodSet) {
            long t0 = System.nanoTime();
            epoch.add(at);
            iid.add(Trainer.evaluate(m, iidSet, 500).accuracy());
            ood.add(Trainer.evaluate(m, oodSet, 500).accuracy());
            measuring += (System.nanoTime() - t0) / 1e9;
        }
    }

    @Override
    public Integer call() throws Exception {
        Bias b = Bias.parse(bias);
        if (b.kind() == Bias.Kind.NONE || b.split() != Bias.Split.IID) {
            throw new IllegalArgumentException("--bias must be colour or watermark, not " + bias);
        }
        Setup s = setup();
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
        }
        Outputs.checkFolder(out, "--out " + out);
        java.util.function.Supplier<Integer> run = () -> {
            try {
                return run(b, s);
            } catch (Exception e) {
                throw new Checked(e);
            }
        };
        try {
            return threads == null ? run.get() : Parallel.withThreads(threads, run);
        } catch (Checked e) {
            throw (Exception) e.getCause();
        }
    }

    /** Carries a checked exception out of the supplier that runs with --threads. */
    private static final class Checked extends RuntimeException {
        Checked(Exception cause) {
            super(cause);
        }
    }

    /** Teacher and ERM train for {@code epochs}, the students for {@code studentEpochs}. */
    private static int epochsOf(int model, Setup s) {
        return model < 2 ? s.epochs() : s.studentEpochs();
    }

    private Setup setup() {
        int train = trainImages != null ? trainImages : quick ? 6000 : 20000;
        int test = testImages != null ? testImages : quick ? 2000 : 10000;
        int ep = epochs != null ? epochs : quick ? 3 : 5;
        int studentEp = epochs != null ? epochs : quick ? 8 : 10;
        if (train < 10 || test < 1 || ep < 1) {
            throw new IllegalArgumentException("--train-images must be at least 10, --test-images and --epochs at"
                    + " least 1");
        }
        if (train > 55000 || test > 10000) {
            throw new IllegalArgumentException("--train-images can be at most 55000 (5000 more are the validation"
                    + " split) and --test-images at most 10000");
        }
        int validation = Math.max(5, Math.min(2000, train / 6));
        if (!(teaLr > 0) || Float.isInfinite(teaLr)) {
            throw new IllegalArgumentException("--tea-lr must be a positive number, not " + teaLr);
        }
        return new Setup(train, validation, test, ep, studentEp, 32, 1e-3f, 0.01f, teaLr);
    }

    private int run(Bias b, Setup s) throws Exception {
        long start = System.nanoTime();
        Path dir = data != null ? data : FashionMnist.DEFAULT_DIR;
        String ds = "fashion-mnist";
        FashionMnist.Split tr = FashionMnist.Split.TRAIN;
        Dataset greyTrain = FashionMnist.load(ds, dir, tr);
        Dataset greyTest = FashionMnist.load(ds, dir, FashionMnist.Split.TEST);
        Dataset unbiased = BiasedData.of(greyTrain, ds, b.in(Bias.Split.OOD), tr, 0, s.train(), seed);
        Dataset biased = BiasedData.of(greyTrain, ds, b, tr, 0, s.train(), seed);
        Dataset val = BiasedData.of(greyTrain, ds, b, tr, s.train(), s.validation(), seed);
        Map<Bias.Split, Dataset> tests = new EnumMap<>(Bias.Split.class);
        for (Bias.Split sp : Bias.Split.values()) {
            tests.put(sp, BiasedData.of(greyTest, ds, b.in(sp), FashionMnist.Split.TEST, 0, s.test(), seed));
        }
        Dataset curveIid = tests.get(Bias.Split.IID).head(500);
        Dataset curveOod = tests.get(Bias.Split.OOD).head(500);
        PrintStream err = System.err;
        err.printf("tea-experiment, bias %s%s: %d training images (%d validation), %d test images per split, %d"
                        + " epochs (students %d), %d threads%n", b.kind().label(), quick ? " (quick)" : "", s.train(),
                s.validation(), s.test(), s.epochs(), s.studentEpochs(), Parallel.threads());
        // relative cost per training image, for the ETA: ERM 1, logit distillation 1.3, TEA 4.5
        double[] weight = {1, 1, 1.3, 4.5};
        double total = 0;
        for (int k = 0; k < weight.length; k++) {
            total += weight[k] * epochsOf(k, s) * s.train();
        }
        ProgressBar bar = new ProgressBar(err, "tea-experiment", "work");
        double[] done = {0};
        long totalUnits = Math.round(total);
        int channels = b.channels();
        Map<String, Model> models = new LinkedHashMap<>();
        Map<String, Curve> curves = new LinkedHashMap<>();
        for (int k = 0; k < MODELS.size(); k++) {
            String name = MODELS.get(k);
            Curve curve = new Curve();
            curves.put(name, curve);
            double base = done[0];
            double w = weight[k];
            Model[] holder = new Model[1];
            ProgressListener listener = new ProgressListener() {
                @Override
                public void batch(int epoch, int batch, int batches, double loss, double accuracy, long nanos) {
                    double perEpoch = w * s.train();
                    double d = base + perEpoch * ((epoch - 1) + batch / (double) batches);
                    bar.update(Math.round(d), totalUnits);
                    if (batch == batches / 2 && batches >= 2) {
                        curve.point(holder[0], epoch - 1 + batch / (double) batches, curveIid, curveOod);
                    }
                }

                @Override
                public void epoch(EpochResult r) {
                    curve.seconds += r.seconds() - curve.measuring;
                    curve.images += s.train();
                    curve.point(holder[0], r.epoch(), curveIid, curveOod);
                    curve.measuring = 0;
                    err.printf("%s epoch %d: loss %.4f, iid %.1f%%, ood %.1f%% (%d test images each)%n", name,
                            r.epoch(), r.trainLoss(), 100 * curve.iid.get(curve.iid.size() - 1),
                            100 * curve.ood.get(curve.ood.size() - 1), curveIid.size());
                }
            };
            Model m;
            switch (name) {
                case "teacher", "erm" -> {
                    m = Architectures.create(ARCH, channels, 28, 10, seed + k);
                    holder[0] = m;
                    curve.point(m, 0, curveIid, curveOod);
                    curve.measuring = 0;
                    Trainer.fit(m, name.equals("teacher") ? unbiased : biased, null,
                            new Adam(m.parameters(), s.adamLr(), 0.9f, 0.999f, 1e-8f, 0f),
                            new Trainer.Config(epochsOf(k, s), s.batch(), seed + k), listener);
                }
                default -> {
                    Model teacher = models.get("teacher");
                    m = DistillCommand.student(ARCH, teacher, biased, seed + k, studentBiases);
                    holder[0] = m;
                    curve.point(m, 0, curveIid, curveOod);
                    curve.measuring = 0;
                    boolean tea = name.equals("tea");
                    Distillation.Config c = tea ? Distillation.Config.tea(epochsOf(k, s), s.batch(), s.teaLr(),
                            seed + k) : new Distillation.Config(epochsOf(k, s), s.batch(), s.logitLr(), 0.9f, 1f, 0.01f,
                            0.1f, seed + k);
                    Distillation.fit(tea ? Distillation.Method.TEA : Distillation.Method.LOGIT, teacher, m, biased,
                            val, c, listener);
                }
            }
            models.put(name, m);
            done[0] = base + w * epochsOf(k, s) * s.train();
        }
        bar.update(totalUnits, totalUnits);
        Map<String, Map<Bias.Split, Double>> acc = new LinkedHashMap<>();
        for (Map.Entry<String, Model> e : models.entrySet()) {
            Map<Bias.Split, Double> row = new EnumMap<>(Bias.Split.class);
            for (Bias.Split sp : Bias.Split.values()) {
                row.put(sp, Trainer.evaluate(e.getValue(), tests.get(sp), 500).accuracy());
            }
            acc.put(e.getKey(), row);
        }
        Tensor teacherLogits = models.get("teacher").predict(tests.get(Bias.Split.OOD).images());
        Map<String, Double> correlation = new LinkedHashMap<>();
        for (String name : List.of("erm", "logit", "tea")) {
            correlation.put(name, pearson(models.get(name).predict(tests.get(Bias.Split.OOD).images()),
                    teacherLogits));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String table = table(b, s, acc, correlation, curves, seconds);
        System.out.print(table);
        Map<String, byte[]> files = new LinkedHashMap<>();
        List<LineChart.Panel> panels = panels(curves);
        String title = "TEA experiment, bias " + b.kind().label() + (quick ? " (quick)" : "");
        files.put("curves.svg", LineChart.svg(title, panels).getBytes(StandardCharsets.UTF_8));
        files.put("curves.png", png(LineChart.png(title, panels)));
        files.put("heatmaps.png", png(heatmaps(models, tests.get(Bias.Split.SHIFT))));
        files.put("results.json", (resultsJson(b, s, acc, correlation, curves, seconds) + "\n")
                .getBytes(StandardCharsets.UTF_8));
        files.put("results.md", table.getBytes(StandardCharsets.UTF_8));
        Outputs.writeAll(out, files);
        System.out.println("wrote " + out.resolve("curves.png") + ", heatmaps.png, curves.svg, results.md,"
                + " results.json");
        if (json) {
            System.out.println(accuracyJson(acc));
        }
        return 0;
    }

    private String table(Bias b, Setup s, Map<String, Map<Bias.Split, Double>> acc, Map<String, Double> corr,
                         Map<String, Curve> curves, double seconds) {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "TEA experiment, bias %s%s: %d training images, %d test images per split,"
                + " %d epochs (students %d), %.0f s%n%n", b.kind().label(), quick ? " (quick)" : "", s.train(),
                s.test(), s.epochs(), s.studentEpochs(), seconds));
        t.append("| model | iid | ood | shift | logit correlation with the teacher (ood) | training images/s |\n");
        t.append("|---|---|---|---|---|---|\n");
        for (String name : MODELS) {
            Map<Bias.Split, Double> row = acc.get(name);
            Curve c = curves.get(name);
            t.append(String.format(Locale.ROOT, "| %s | %.1f%% | %.1f%% | %.1f%% | %s | %.0f |%n", name,
                    100 * row.get(Bias.Split.IID), 100 * row.get(Bias.Split.OOD), 100 * row.get(Bias.Split.SHIFT),
                    corr.containsKey(name) ? String.format(Locale.ROOT, "%.3f", corr.get(name)) : "-",
                    c.images / c.seconds));
        }
        Curve erm = curves.get("erm");
        Curve tea = curves.get("tea");
        t.append(String.format(Locale.ROOT, "%nTEA trains at %.0f images/s, %.1fx the time per image of ERM (%.0f"
                + " images/s).%n", tea.images / tea.seconds, (erm.images / erm.seconds) / (tea.images / tea.seconds),
                erm.images / erm.seconds));
        return t.toString();
    }

    /** Pearson correlation of all entries of two logit tensors. */
    static double pearson(Tensor a, Tensor b) {
        int n = a.size();
        double ma = 0;
        double mb = 0;
        for (int i = 0; i < n; i++) {
            ma += a.getFlat(i);
            mb += b.getFlat(i);
        }
        ma /= n;
        mb /= n;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < n; i++) {
            double x = a.getFlat(i) - ma;
            double y = b.getFlat(i) - mb;
            sab += x * y;
            saa += x * x;
            sbb += y * y;
        }
        return sab / Math.sqrt(saa * sbb);
    }

    private static List<LineChart.Panel> panels(Map<String, Curve> curves) {
        List<LineChart.Series> iid = new ArrayList<>();
        List<LineChart.Series> ood = new ArrayList<>();
        for (Map.Entry<String, Curve> e : curves.entrySet()) {
            Curve c = e.getValue();
            double[] x = c.epoch.stream().mapToDouble(v -> v).toArray();
            boolean dashed = e.getKey().equals("teacher");
            iid.add(new LineChart.Series(e.getKey(), x, c.iid.stream().mapToDouble(v -> 100 * v).toArray(), null,
                    dashed));
            ood.add(new LineChart.Series(e.getKey(), x, c.ood.stream().mapToDouble(v -> 100 * v).toArray(), null,
                    dashed));
        }
        return List.of(new LineChart.Panel("iid test images (biased, as in training)", "epoch", "accuracy (%)", iid),
                new LineChart.Panel("ood test images (random tint / no watermark)", "epoch", "accuracy (%)", ood));
    }

    /** Two shift-split images (each carrying another class's tint or patch) and every model's LRP-epsilon heatmap. */
    private static BufferedImage heatmaps(Map<String, Model> models, Dataset shift) {
        List<Grid.Panel> panels = new ArrayList<>();
        int n = Math.min(2, shift.size());
        Tensor x = shift.images().slice(0, n).copy();
        Heatmap.Style style = Heatmap.Style.defaults().withMinSize(112);
        for (int i = 0; i < n; i++) {
            Tensor img = x.slice(i, i + 1).mul(FashionMnist.STD).add(FashionMnist.MEAN).reshape(
                    java.util.Arrays.copyOfRange(x.dims(), 1, 4));
            panels.add(new Grid.Panel("input: " + shift.classNames().get(shift.labels()[i]), Heatmap.picture(img, 112)));
            for (Map.Entry<String, Model> e : models.entrySet()) {
                Tensor xi = x.slice(i, i + 1).copy();
                int pred = Distillation.topClasses(e.getValue().predict(xi))[0];
                Tensor r;
                try (GradMode.Scope g = GradMode.disabled()) {
                    r = EpsilonRelevance.relevance(e.getValue(), Variable.constant(xi), new int[] {pred},
                            new float[] {0.05f}).relevance().value();
                }
                panels.add(new Grid.Panel(e.getKey() + ": " + shift.classNames().get(pred),
                        Heatmap.render(r.reshape(java.util.Arrays.copyOfRange(r.dims(), 1, 4)), img, style)));
            }
        }
        return Grid.layout(panels, models.size() + 1);
    }

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(img, "png", bytes);
        return bytes.toByteArray();
    }

    /** {"teacher": {"iid": a, "ood": b, "shift": c}, "erm": {...}, "logit": {...}, "tea": {...}}. */
    static String accuracyJson(Map<String, Map<Bias.Split, Double>> acc) {
        StringBuilder j = new StringBuilder("{");
        for (Map.Entry<String, Map<Bias.Split, Double>> e : acc.entrySet()) {
            if (j.length() > 1) {
                j.append(", ");
            }
            j.append('"').append(e.getKey()).append("\": {");
            boolean first = true;
            for (Map.Entry<Bias.Split, Double> s : e.getValue().entrySet()) {
                j.append(first ? "" : ", ").append('"').append(s.getKey().label()).append("\": ")
                        .append(String.format(Locale.ROOT, "%.4f", s.getValue()));
                first = false;
            }
            j.append('}');
        }
        return j.append('}').toString();
    }

    private String resultsJson(Bias b, Setup s, Map<String, Map<Bias.Split, Double>> acc, Map<String, Double> corr,
                               Map<String, Curve> curves, double seconds) {
        StringBuilder j = new StringBuilder("{\"bias\": \"" + b.kind().label() + "\", \"quick\": " + quick);
        j.append(String.format(Locale.ROOT, ", \"train_images\": %d, \"validation_images\": %d, \"test_images\": %d,"
                + " \"epochs\": %d, \"student_epochs\": %d, \"seed\": %d, \"seconds\": %.1f", s.train(), s.validation(),
                s.test(), s.epochs(), s.studentEpochs(), seed, seconds));
        j.append(", \"accuracy\": ").append(accuracyJson(acc));
        j.append(", \"logit_correlation_ood\": {");
        j.append(String.join(", ", corr.entrySet().stream().map(e -> String.format(Locale.ROOT, "\"%s\": %.4f",
                e.getKey(), e.getValue())).toList()));
        j.append("}, \"training_images_per_second\": {");
        j.append(String.join(", ", curves.entrySet().stream().map(e -> String.format(Locale.ROOT, "\"%s\": %.1f",
                e.getKey(), e.getValue().images / e.getValue().seconds)).toList()));
        j.append("}}");
        return j.toString();
    }
}
