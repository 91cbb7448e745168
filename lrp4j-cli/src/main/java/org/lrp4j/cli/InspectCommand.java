package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.explain.LrpExplainer;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.graph.Trace;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.lrp.Lrp;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.rules.Rule;
import org.lrp4j.onnx.OnnxModelInfo;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lrp4j inspect}: what a model file holds (inputs, outputs, opset, producer, nodes with op types and output
 * shapes, parameter count) and which LRP rule the default composite gives each node.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print a model's inputs, outputs, opset and producer, its nodes with op types and output"
                + " shapes (from one forward pass on zeros, batch 1), the parameter count, and the LRP rule each"
                + " node gets from a composite (after canonizers such as merging BatchNorm into the Conv before it)."})
final class InspectCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model file (.onnx, or written by 'lrp4j train')")
    Path model;

    @Option(names = "--composite", defaultValue = "epsilon-plus-flat",
            completionCandidates = Registries.CompositeNames.class,
            description = "composite whose rules to show: ${COMPLETION-CANDIDATES} (epsilon-gamma-box with"
                    + " --low/--high) (default: ${DEFAULT-VALUE})")
    String composite;

    @Option(names = "--low", description = "lowest input value, for zbox in epsilon-gamma-box")
    Float low;

    @Option(names = "--high", description = "highest input value, for zbox in epsilon-gamma-box")
    Float high;

    @Option(names = "--input", description = "input batch as .npy [N, ...]: also report how much each LRN node"
            + " changes its input on these inputs")
    Path input;

    @picocli.CommandLine.Mixin
    TestImagesOptions testImages;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Composites.NAMES.contains(composite.toLowerCase(Locale.ROOT))) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown composite '" + composite
                    + "'; composites: " + String.join(", ", Composites.NAMES));
        }
        if (input != null && testImages.given()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give --input or --dataset, not both");
        }
        String problem = testImages.check(spec);
        if (problem != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), problem);
        }
        ModelLoader.Loaded loaded = ModelLoader.loadWithInfo(model);
        Model m = loaded.model();
        Tensor x = null;
        if (testImages.given()) {
            org.lrp4j.data.Dataset d = testImages.load();
            EvaluateCommand.checkInput(m, d);
            x = d.images();
        } else if (input != null) {
            x = InputFiles.readModelInput(input, "--input");
        }
        String text = describe(m, loaded, model.getFileName().toString());
        System.out.print(x == null ? text : text + normalisationEffect(m, x));
        return 0;
    }

    private String describe(Model m, ModelLoader.Loaded loaded, String fileName) {
        StringBuilder sb = new StringBuilder();
        if (loaded.onnx().isPresent()) {
            OnnxModelInfo info = loaded.onnx().get();
            sb.append(String.format(Locale.ROOT, "model       %s: ONNX, ir_version %d, opset %d, producer %s, graph"
                            + " '%s' (%d ONNX nodes, %d after import)%n", fileName, info.irVersion(), info.opset(),
                    info.producerName().isEmpty() ? "(none)" : (info.producerName() + " "
                            + info.producerVersion()).strip(), info.graphName(), info.nodeCount(), m.nodes().size()));
            for (OnnxModelInfo.Value v : info.inputs()) {
                sb.append(String.format(Locale.ROOT, "input       %s  %s %s%n", v.name(), v.elementType(), v.shape()));
            }
            for (OnnxModelInfo.Value v : info.outputs()) {
                sb.append(String.format(Locale.ROOT, "output      %s  %s %s%n", v.name(), v.elementType(), v.shape()));
            }
            for (Map.Entry<String, String> e : info.metadata().entrySet()) {
                if (!e.getKey().equals(OnnxModelInfo.CLASS_NAMES)) {
                    sb.append(String.format(Locale.ROOT, "metadata    %s = %s%n", e.getKey(), e.getValue()));
                }
            }
        } else {
            sb.append(String.format(Locale.ROOT, "model       %s: lrp4j model file (legacy format), '%s'%n", fileName,
                    m.name()));
            for (Model.Input in : m.inputs()) {
                sb.append(String.format(Locale.ROOT, "input       %s  float32 %s%n", in.name(), batchShape(in)));
            }
            for (String o : m.outputs()) {
                sb.append(String.format(Locale.ROOT, "output      %s  float32%n", o));
            }
        }
        loaded.classNames().ifPresent(c -> sb.append(String.format(Locale.ROOT, "classes     %d: %s%n", c.size(),
                String.join(", ", c))));
        long buffers = 0;
        for (Node n : m.nodes()) {
            for (Tensor t : n.layer().buffers().values()) {
                buffers += t.size();
            }
        }
        sb.append(String.format(Locale.ROOT, "parameters  %,d trainable%s%n", m.parameterCount(),
                buffers > 0 ? String.format(Locale.ROOT, " (+ %,d in buffers: BatchNorm statistics, constants)",
                        buffers) : ""));

        Map<String, Shape> shapes = new HashMap<>();
        String shapeNote = inferShapes(m, shapes);
        Lrp.Plan plan = null;
        String planError = null;
        Composite comp = null;
        try {
            comp = Composites.byName(composite, low == null ? null : Tensor.scalar(low),
                    high == null ? null : Tensor.scalar(high));
            plan = LrpExplainer.builder(m, comp).build().plan();
        } catch (IllegalArgumentException | IllegalStateException e) {
            planError = e.getMessage();
        }
        String ruleHeader = "LRP rule (" + (comp == null ? composite : comp.name()) + ")";

        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"node", "op", "inputs", "output shape", "params", ruleHeader});
        for (Node n : m.nodes()) {
            long p = 0;
            for (Variable v : n.layer().parameters().values()) {
                p += v.shape().size();
            }
            Shape s = shapes.get(n.output());
            String rule;
            if (plan == null) {
                rule = "-";
            } else {
                Rule r = plan.rules().get(n.name());
                rule = r != null ? r.describe() : "(removed by canonizer)";
            }
            rows.add(new String[] {n.name(), n.opType(), String.join(",", n.inputs()), s == null ? "?" : s.toString(),
                p == 0 ? "" : String.format(Locale.ROOT, "%,d", p), rule});
        }
        sb.append(String.format(Locale.ROOT, "nodes       %d%s%n", m.nodes().size(), shapeNote));
        sb.append(table(rows));
        if (plan != null) {
            List<String> extra = new ArrayList<>();
            for (Map.Entry<String, Rule> e : plan.rules().entrySet()) {
                boolean original = m.nodes().stream().anyMatch(n -> n.name().equals(e.getKey()));
                if (!original) {
                    extra.add(e.getKey() + " (" + plan.model().node(e.getKey()).opType() + "): "
                            + e.getValue().describe());
                }
            }
            if (!extra.isEmpty()) {
                sb.append("nodes added by canonizers: ").append(String.join("; ", extra)).append('\n');
            }
            for (String note : plan.notes()) {
                sb.append("canonizer   ").append(note).append('\n');
            }
            if (plan.rules().values().stream().anyMatch(r -> r instanceof org.lrp4j.lrp.rules.LrnTaylor)) {
                sb.append("taylor      LRN nodes take the first-order Taylor rule of Binder et al. 2016 (seed 001),"
                        + " which conserves relevance; 'explain --rule LRN=pass' keeps the identity instead\n");
            }
        } else {
            sb.append("LRP         no rule plan: ").append(planError).append('\n');
        }
        return sb.toString();
    }

    /**
     * For each LRN node, how much the normalisation changes its input on {@code x}: mean |y - x| / mean |x| over
     * all elements, and the mean divisor |x| / |y| where x != 0. Forward passes in batches of 256.
     */
    static String normalisationEffect(Model m, Tensor x) {
        List<Node> lrn = m.nodes().stream().filter(n -> n.opType().equals("LRN")).toList();
        if (lrn.isEmpty()) {
            return "LRN         the model has no LRN nodes\n";
        }
        if (m.inputs().size() != 1) {
            throw new IllegalArgumentException("--input/--dataset: the model has " + m.inputs().size()
                    + " inputs; the LRN statistics need a model with one input");
        }
        double[] change = new double[lrn.size()];
        double[] magnitude = new double[lrn.size()];
        double[] divisor = new double[lrn.size()];
        long[] nonZero = new long[lrn.size()];
        int n = x.shape().dim(0);
        try (GradMode.Scope off = GradMode.disabled()) {
            for (int from = 0; from < n; from += 256) {
                Trace t = m.trace(Map.of(m.inputs().get(0).name(), Variable.constant(x.slice(from,
                        Math.min(n, from + 256)))), ForwardContext.inference());
                for (int i = 0; i < lrn.size(); i++) {
                    Tensor in = t.values().get(lrn.get(i).inputs().get(0)).value();
                    Tensor out = t.output(lrn.get(i)).value();
                    float[] a = in.data();
                    float[] b = out.data();
                    for (int k = 0; k < in.size(); k++) {
                        float xi = a[in.offset() + k];
                        float yi = b[out.offset() + k];
                        change[i] += Math.abs(yi - xi);
                        magnitude[i] += Math.abs(xi);
                        if (xi != 0 && yi != 0) {
                            divisor[i] += xi / (double) yi;
                            nonZero[i]++;
                        }
                    }
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lrn.size(); i++) {
            sb.append(String.format(Locale.ROOT, "LRN         %s changes its input by %.1f%% (mean |y - x| / mean |x|"
                            + " over %d inputs); mean divisor x / y = %.3f where x != 0%n", lrn.get(i).name(),
                    100 * change[i] / Math.max(magnitude[i], Double.MIN_NORMAL), n,
                    nonZero[i] == 0 ? Double.NaN : divisor[i] / nonZero[i]));
        }
        return sb.toString();
    }

    private static String batchShape(Model.Input in) {
        Shape s = in.sampleShape();
        return s == null ? "?" : "[batch, " + s.toString().substring(1);
    }

    /** Output shapes of every node for one sample of zeros (batch 1); returns a note for the header line. */
    private static String inferShapes(Model m, Map<String, Shape> shapes) {
        Map<String, Variable> feeds = new LinkedHashMap<>();
        for (Model.Input in : m.inputs()) {
            Shape s = in.sampleShape();
            if (s == null) {
                return " (output shapes unknown: input '" + in.name() + "' has no fixed shape)";
            }
            int[] d = new int[s.rank() + 1];
            d[0] = 1;
            for (int i = 0; i < s.rank(); i++) {
                if (s.dim(i) < 0) {
                    return " (output shapes unknown: input '" + in.name() + "' has a free dimension)";
                }
                d[i + 1] = s.dim(i);
            }
            feeds.put(in.name(), Variable.constant(Tensor.zeros(d)));
        }
        try (GradMode.Scope sc = GradMode.disabled()) {
            Trace t = m.trace(feeds, ForwardContext.inference());
            t.values().forEach((k, v) -> shapes.put(k, v.shape()));
        } catch (RuntimeException e) {
            return " (output shapes unknown: the forward pass on zeros failed: " + e.getMessage() + ")";
        }
        return " (output shapes for a batch of 1)";
    }

    private static String table(List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] w = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < cols; i++) {
                String cell = r[i];
                if (i == 4) {
                    line.append(" ".repeat(w[i] - cell.length())).append(cell);
                } else {
                    line.append(cell).append(" ".repeat(i == cols - 1 ? 0 : w[i] - cell.length()));
                }
                if (i < cols - 1) {
                    line.append("  ");
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
