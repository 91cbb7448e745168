package org.lrp4j.patterns;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Trace;
import org.lrp4j.tensor.Tensor;

/**
 * One streaming pass of a model over batches of inputs that accumulates the {@link PatternStatistics} of every Conv
 * and Gemm node: each batch is traced, its observations are added to the sums and dropped, so memory does not grow
 * with the number of inputs.
 */
public final class PatternFit {
    private final Model model;
    private final List<LinearNode> nodes;
    private final Map<String, PatternStatistics> statistics = new LinkedHashMap<>();

    /** Empty sums for every Conv and Gemm node of {@code model}; {@code secondMoments} also collects Sxx. */
    public PatternFit(Model model, boolean secondMoments) {
        this.model = model;
        this.nodes = LinearNode.of(model);
        for (LinearNode n : nodes) {
            statistics.put(n.name(), new PatternStatistics(n, secondMoments));
        }
    }

    /** Adds one batch [N, ...] of model inputs. */
    public PatternFit add(Tensor batch) {
        try (GradMode.Scope s = GradMode.disabled()) {
            Trace t = model.trace(Variable.constant(batch));
            for (LinearNode n : nodes) {
                Tensor in = t.inputs(n.node()).get(0).value();
                Tensor out = t.output(n.node()).value();
                statistics.get(n.name()).add(n.observations(in, out));
            }
        }
        return this;
    }

    /** Adds rows [from, to) of {@code inputs} in batches of {@code batch} rows; {@code done} hears the rows so far. */
    public PatternFit addAll(Tensor inputs, int batch, LongConsumer done) {
        int n = inputs.dim(0);
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            add(inputs.slice(from, to));
            done.accept(to);
        }
        return this;
    }

    public Model model() {
        return model;
    }

    /** The sums per node name, in graph order. */
    public Map<String, PatternStatistics> statistics() {
        return java.util.Collections.unmodifiableMap(statistics);
    }

    /** The patterns of every node from the sums so far. */
    public Patterns patterns() {
        return Patterns.estimate(Patterns.modelHash(model), statistics.values());
    }
}
