package org.lrp4j.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.layers.Layer;
import org.lrp4j.tensor.Shape;

/**
 * Builds models. For a DAG, add nodes by name and wire them by tensor name:
 * <pre>{@code
 * ModelBuilder b = ModelBuilder.create("block").input("x", 16, 8, 8);
 * String h = b.add("conv1", Conv2d.of(16, 16, 3, 1, 1, rng), "x");
 * String r = b.add("relu1", new ReLU(), h);
 * String y = b.add("add", new Add(), r, "x");       // residual connection
 * Model m = b.output(y).build();
 * }</pre>
 * For a chain, {@link #then} appends a node reading the previous output and names it by its kind
 * (conv1, relu1, pool1, fc1, ...).
 */
public final class ModelBuilder {
    private final String name;
    private final List<Model.Input> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<String> outputs = new ArrayList<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private String last;

    private ModelBuilder(String name) {
        this.name = name;
    }

    public static ModelBuilder create(String name) {
        return new ModelBuilder(name);
    }

    /** Declares a graph input with the shape of one sample (without the batch axis); -1 leaves a dimension free. */
    public ModelBuilder input(String inputName, int... sampleDims) {
        inputs.add(new Model.Input(inputName, Shape.of(sampleDims)));
        last = inputName;
        return this;
    }

    /** Adds a node whose output tensor has the node's name; returns that name. */
    public String add(String nodeName, Layer layer, String... inputNames) {
        nodes.add(new Node(nodeName, layer, List.of(inputNames), nodeName));
        last = nodeName;
        return nodeName;
    }

    /** Appends a node reading the most recent output, named by its kind and a counter. */
    public ModelBuilder then(Layer layer) {
        if (last == null) {
            throw new GraphException("model '" + name + "': declare an input before adding layers");
        }
        String kind = switch (layer.opType()) {
            case "Conv" -> "conv";
            case "Gemm" -> "fc";
            case "MaxPool", "AveragePool", "GlobalAveragePool" -> "pool";
            case "BatchNormalization" -> "bn";
            default -> layer.opType().toLowerCase(java.util.Locale.ROOT);
        };
        int k = counters.merge(kind, 1, Integer::sum);
        add(kind + k, layer, last);
        return this;
    }

    /** The name of the most recently added tensor. */
    public String last() {
        return last;
    }

    public ModelBuilder output(String tensorName) {
        outputs.add(tensorName);
        return this;
    }

    /** Validates and returns the model; with no output declared, the last node's output is the output. */
    public Model build() {
        List<String> outs = outputs.isEmpty() && last != null ? List.of(last) : outputs;
        return Model.of(name, inputs, nodes, outs);
    }
}
