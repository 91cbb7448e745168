package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.lrp4j.graph.Model;
import org.lrp4j.io.Npy;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j predict}: runs a model on an NPY batch and prints the top classes of each row. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a model on a batch of inputs and print the top classes per row (with class names when"
                + " the model file has them).")
final class PredictCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model file (.onnx, or written by 'lrp4j train')")
    Path model;

    @Option(names = "--input", description = "input batch as .npy [N, ...] (float32/float64); or use --image")
    Path input;

    @picocli.CommandLine.Mixin
    ImageInputOptions images;

    @Option(names = "--out", description = "write the model output (e.g. logits) [N, classes] as .npy")
    Path out;

    @Option(names = "--save-input", paramLabel = "FILE.npy", description = "also write the model input (after"
            + " --image's preprocessing) as .npy")
    Path saveInput;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--top", defaultValue = "3", description = "classes to print per row (default: ${DEFAULT-VALUE})")
    int top;

    @Override
    public Integer call() throws Exception {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, not " + top);
        }
        if ((input != null) == images.given()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "give the input as --input x.npy or as --image FILE... (one of the two)");
        }
        for (Path p : new Path[] {out, saveInput}) {
            if (p != null) {
                Outputs.checkWritable(p, p == out ? "--out" : "--save-input");
            }
        }
        ModelLoader.Loaded loaded = ModelLoader.loadWithInfo(model);
        Model m = loaded.model();
        if (m.inputs().size() != 1) {
            throw new IllegalArgumentException("model '" + m.name() + "' has " + m.inputs().size() + " inputs;"
                    + " predict feeds one");
        }
        org.lrp4j.image.ImageBatch batch = images.given() ? images.load(m) : null;
        Tensor x = batch != null ? batch.input() : InputFiles.readModelInput(input, "--input");
        checkShape(m.inputs().get(0), x.shape());
        Tensor y = m.predict(x);
        ExplainCommand.checkFiniteOutput(y);
        if (out != null) {
            Outputs.writeNpy(out, y);
        }
        if (saveInput != null) {
            Outputs.writeNpy(saveInput, x);
        }
        int n = x.dim(0);
        if (y.rank() < 1 || y.dim(0) != n) {
            throw new IllegalArgumentException("the model output has shape " + y.shape() + ", not one row per input");
        }
        int classes = n == 0 ? 0 : y.size() / n;
        Tensor rows = y.reshape(n, classes);
        List<String> names = loaded.classNames().orElse(List.of());
        boolean probabilities = !m.nodes().isEmpty()
                && m.nodes().get(m.nodes().size() - 1).opType().equals("Softmax");
        int k = Math.min(top, classes);
        System.out.printf(Locale.ROOT, "%s: %d row(s), output %s; top %d %s%n", model.getFileName(), n, y.shape(), k,
                probabilities ? "(probabilities)" : "(score, softmax probability)");
        for (int i = 0; i < n; i++) {
            float[] r = new float[classes];
            for (int c = 0; c < classes; c++) {
                r[c] = rows.get(i, c);
            }
            double max = Double.NEGATIVE_INFINITY;
            for (float v : r) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (float v : r) {
                sum += Math.exp(v - max);
            }
            Integer[] order = new Integer[classes];
            for (int c = 0; c < classes; c++) {
                order[c] = c;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(r[b], r[a]));
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "row %d%s:", i, batch == null ? ""
                    : " (" + Path.of(batch.names().get(i)).getFileName() + ")"));
            for (int j = 0; j < k; j++) {
                int c = order[j];
                String label = c < names.size() ? c + " " + names.get(c) : Integer.toString(c);
                sb.append(j == 0 ? " " : "; ").append(label);
                if (probabilities) {
                    sb.append(String.format(Locale.ROOT, " (%.4f)", r[c]));
                } else {
                    sb.append(String.format(Locale.ROOT, " (%.4f, p=%.4f)", r[c], Math.exp(r[c] - max) / sum));
                }
            }
            System.out.println(sb);
        }
        if (out != null) {
            System.out.printf(Locale.ROOT, "output %s written to %s%n", y.shape(), out);
        }
        return 0;
    }

    /** One line naming the expected and the actual shape. */
    static void checkShape(Model.Input in, Shape x) {
        Shape s = in.sampleShape();
        if (s == null) {
            return;
        }
        boolean ok = x.rank() == s.rank() + 1;
        for (int i = 0; ok && i < s.rank(); i++) {
            ok = s.dim(i) < 0 || s.dim(i) == x.dim(i + 1);
        }
        if (!ok) {
            String want = "[N, " + s.toString().substring(1);
            String hint = x.rank() == s.rank() && x.equals(s) ? " (add a batch axis: one sample is [1, "
                    + s.toString().substring(1) + ")" : "";
            throw new IllegalArgumentException("input has shape " + x + " but model input '" + in.name() + "' takes "
                    + want + hint);
        }
    }
}
