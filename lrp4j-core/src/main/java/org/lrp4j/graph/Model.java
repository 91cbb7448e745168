package org.lrp4j.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

/**
 * A model: a directed acyclic graph of named nodes with named inputs and outputs, the shape an ONNX graph has.
 * The graph is immutable (rewrites return a new model); parameter values are tensors that training updates in
 * place. Nodes are kept in a topological order, so a forward pass visits them in sequence.
 */
public final class Model {

    /** A graph input: its name and the shape of one sample (without the batch axis). */
    public record Input(String name, Shape sampleShape) {
    }

    private final String name;
    private final List<Input> inputs;
    private final List<String> outputs;
    private final List<Node> nodes;
    private final Map<String, Node> byName;
    /** How often each tensor is read: by nodes (once per occurrence), and once more for a model output. */
    private final Map<String, Integer> reads;
    /** The arrays of every parameter and buffer, which inference must never write over. */
    private final java.util.Set<float[]> parameterArrays;

    private Model(String name, List<Input> inputs, List<Node> nodes, List<String> outputs) {
        this.name = name;
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        this.nodes = List.copyOf(topologicalOrder(name, this.inputs, nodes, this.outputs));
        Map<String, Node> m = new LinkedHashMap<>();
        for (Node n : this.nodes) {
            m.put(n.name(), n);
        }
        this.byName = m;
        Map<String, Integer> r = new HashMap<>();
        java.util.Set<float[]> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Node n : this.nodes) {
            n.inputs().forEach(i -> r.merge(i, 1, Integer::sum));
            n.layer().parameters().values().forEach(v -> arrays.add(v.value().data()));
            n.layer().buffers().values().forEach(t -> arrays.add(t.data()));
        }
        this.outputs.forEach(o -> r.merge(o, 1, Integer::sum));
        this.reads = Map.copyOf(r);
        this.parameterArrays = arrays;
    }

    /** Builds and validates a model: unique names, no dangling input, no cycle, every output produced. */
    public static Model of(String name, List<Input> inputs, List<Node> nodes, List<String> outputs) {
        return new Model(name, inputs, nodes, outputs);
    }

    public String name() {
        return name;
    }

    public List<Input> inputs() {
        return inputs;
    }

    public List<String> outputs() {
        return outputs;
    }

    /** Nodes in topological order. */
    public List<Node> nodes() {
        return nodes;
    }

    public Node node(String nodeName) {
        Node n = byName.get(nodeName);
        if (n == null) {
            throw new GraphException("model '" + name + "': no node named '" + nodeName + "'; nodes are "
                    + byName.keySet());
        }
        return n;
    }

    /** The node that writes tensor {@code tensorName}, if any (graph inputs have none). */
    public java.util.Optional<Node> producer(String tensorName) {
        for (Node n : nodes) {
            if (n.output().equals(tensorName)) {
                return java.util.Optional.of(n);
            }
        }
        return java.util.Optional.empty();
    }

    /** The nodes that read tensor {@code tensorName}, in order. */
    public List<Node> consumers(String tensorName) {
        List<Node> c = new ArrayList<>();
        for (Node n : nodes) {
            if (n.inputs().contains(tensorName)) {
                c.add(n);
            }
        }
        return c;
    }

    /** A parameter by node name and parameter name, e.g. {@code parameter("conv1", "weight")}. */
    public Variable parameter(String nodeName, String parameterName) {
        Node n = node(nodeName);
        Variable v = n.layer().parameters().get(parameterName);
        if (v == null) {
            throw new GraphException("node '" + nodeName + "' (" + n.opType() + ") has no parameter '"
                    + parameterName + "'; it has " + n.layer().parameters().keySet());
        }
        return v;
    }

    /** Every trainable parameter as "node.parameter", in graph order. */
    public Map<String, Variable> namedParameters() {
        Map<String, Variable> p = new LinkedHashMap<>();
        for (Node n : nodes) {
            n.layer().parameters().forEach((k, v) -> p.put(n.name() + "." + k, v));
        }
        return p;
    }

    public List<Variable> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long c = 0;
        for (Variable v : parameters()) {
            c += v.shape().size();
        }
        return c;
    }

    /** Parameters and buffers by "node.name": what a model file stores. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        for (Node n : nodes) {
            n.layer().parameters().forEach((k, v) -> s.put(n.name() + "." + k, v.value()));
            n.layer().buffers().forEach((k, v) -> s.put(n.name() + "." + k, v));
        }
        return s;
    }

    /**
     * The first parameter or buffer holding NaN or infinite values, described as "weight 'NAME' holds N NaN or
     * infinite value(s) of M", or empty when every value is finite (a corrupted file or a diverged training run
     * would make every output and explanation NaN).
     */
    public java.util.Optional<String> nonFiniteWeights() {
        for (Map.Entry<String, Tensor> e : state().entrySet()) {
            Tensor t = e.getValue();
            float[] d = t.data();
            int bad = 0;
            for (int i = 0; i < t.size(); i++) {
                if (!Float.isFinite(d[t.offset() + i])) {
                    bad++;
                }
            }
            if (bad > 0) {
                return java.util.Optional.of("weight '" + e.getKey() + "' holds " + bad + " NaN or infinite value(s) of "
                        + t.size());
            }
        }
        return java.util.Optional.empty();
    }

    /** Copies values into this model's parameters and buffers; names and shapes must match exactly. */
    public void loadState(Map<String, Tensor> values) {
        Map<String, Tensor> mine = state();
        for (String k : values.keySet()) {
            if (!mine.containsKey(k)) {
                throw new GraphException("model '" + name + "': the state has an entry '" + k
                        + "' that the model does not have; the model has " + mine.keySet());
            }
        }
        for (Map.Entry<String, Tensor> e : mine.entrySet()) {
            Tensor v = values.get(e.getKey());
            if (v == null) {
                throw new GraphException("model '" + name + "': the state has no entry for '" + e.getKey() + "'");
            }
            if (!v.shape().equals(e.getValue().shape())) {
                throw new GraphException("model '" + name + "': '" + e.getKey() + "' must have shape "
                        + e.getValue().shape() + " but the state has " + v.shape());
            }
            e.getValue().copyFromInPlace(v);
        }
    }

    /** A new model with every node passed through {@code rewrite} (same wiring). The original is unchanged. */
    public Model mapNodes(UnaryOperator<Node> rewrite) {
        List<Node> out = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            out.add(rewrite.apply(n));
        }
        return new Model(name, inputs, out, outputs);
    }

    /** A new model with other nodes (e.g. after a canonizer); validated like {@link #of}. */
    public Model withNodes(List<Node> newNodes, List<String> newOutputs) {
        return new Model(name, inputs, newNodes, newOutputs);
    }

    // ------------------------------------------------------------------ running

    /** Inference on a single-input, single-output model. */
    public Tensor predict(Tensor input) {
        try (org.lrp4j.autodiff.GradMode.Scope s = org.lrp4j.autodiff.GradMode.disabled()) {
            return infer(input);
        }
    }

    /**
     * The inference forward pass of a single-input, single-output model, keeping no intermediate value: each is
     * dropped after its last reader, and a layer that can ({@link org.lrp4j.layers.Layer#forwardInPlace}) writes
     * its output over its input when it is that input's only reader and the input is an array this pass
     * allocated (never the caller's input, a parameter or buffer, a view shared with another value, or a model
     * output). The same floats as {@link #forward}.
     */
    private Tensor infer(Tensor input) {
        String in = singleInput();
        Input declared = inputs.get(0);
        checkInputShape(declared, input.shape());
        Map<String, Integer> readsLeft = new HashMap<>(reads);
        Map<String, Variable> values = new HashMap<>();
        values.put(in, Variable.constant(input));
        java.util.Set<float[]> owned = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        // how many live values use each array (a view shares its source's array)
        Map<float[], Integer> live = new java.util.IdentityHashMap<>();
        live.put(input.data(), 1);
        ForwardContext context = ForwardContext.inference();
        for (Node n : nodes) {
            List<Variable> args = arguments(n, values);
            Variable out = computed(n, () -> {
                if (args.size() == 1 && readsLeft.get(n.inputs().get(0)) == 1) {
                    Tensor x = args.get(0).value();
                    if (owned.contains(x.data()) && live.get(x.data()) == 1 && x.offset() == 0
                            && x.size() == x.data().length) {
                        Tensor overwritten = n.layer().forwardInPlace(x);
                        if (overwritten != null) {
                            return Variable.constant(overwritten);
                        }
                    }
                }
                return n.layer().forward(args, context);
            });
            float[] d = out.value().data();
            boolean fresh = !parameterArrays.contains(d);
            for (Variable a : args) {
                fresh &= a == null || a.value().data() != d || owned.contains(d);
            }
            if (fresh) {
                owned.add(d);
            }
            values.put(n.output(), out);
            live.merge(d, 1, Integer::sum);
            for (String s : n.inputs()) {
                if (readsLeft.merge(s, -1, Integer::sum) == 0) {
                    Variable dead = values.remove(s);
                    if (dead != null) {
                        float[] a = dead.value().data();
                        // the last value on an array gone: forget it, so the array can be collected
                        if (live.merge(a, -1, Integer::sum) == 0) {
                            live.remove(a);
                            owned.remove(a);
                        }
                    }
                }
            }
        }
        return values.get(outputs.get(0)).value();
    }

    /** Forward pass of a single-input, single-output model. */
    public Variable forward(Variable input, ForwardContext context) {
        return trace(Map.of(singleInput(), input), context).output();
    }

    /** Forward pass that keeps every intermediate tensor (inference mode). */
    public Trace trace(Variable input) {
        return trace(Map.of(singleInput(), input), ForwardContext.inference());
    }

    /** Forward pass that keeps every intermediate tensor. */
    public Trace trace(Map<String, Variable> feeds, ForwardContext context) {
        return trace(feeds, context, (node, args) -> null);
    }

    /**
     * Forward pass that keeps every intermediate tensor, with {@code override} given the first chance to compute
     * each node's output. The override must compute the node's function; it may round differently.
     */
    public Trace trace(Map<String, Variable> feeds, ForwardContext context, NodeOverride override) {
        Map<String, Variable> values = new HashMap<>();
        for (Input in : inputs) {
            Variable v = feeds.get(in.name());
            if (v == null) {
                throw new GraphException("model '" + name + "': no value given for input '" + in.name() + "'");
            }
            checkInputShape(in, v.shape());
            values.put(in.name(), v);
        }
        for (Node n : nodes) {
            List<Variable> args = arguments(n, values);
            values.put(n.output(), computed(n, () -> {
                Variable out = override.forward(n, args);
                return out != null ? out : n.layer().forward(args, context);
            }));
        }
        return new Trace(this, new LinkedHashMap<>(values));
    }

    /** The values node {@code n} reads, in its input order. */
    private static List<Variable> arguments(Node n, Map<String, Variable> values) {
        List<Variable> args = new ArrayList<>(n.inputs().size());
        for (String s : n.inputs()) {
            args.add(values.get(s));
        }
        return args;
    }

    /** Runs a node's computation; a bad argument becomes a GraphException naming the model and the node. */
    private Variable computed(Node n, java.util.function.Supplier<Variable> computation) {
        try {
            return computation.get();
        } catch (IllegalArgumentException e) {
            throw new GraphException("model '" + name + "', node '" + n.name() + "' (" + n.opType() + "): "
                    + e.getMessage(), e);
        }
    }

    private String singleInput() {
        if (inputs.size() != 1) {
            throw new GraphException("model '" + name + "' has " + inputs.size() + " inputs " + inputs
                    + "; pass them by name");
        }
        return inputs.get(0).name();
    }

    private void checkInputShape(Input in, Shape actual) {
        Shape s = in.sampleShape();
        if (s == null) {
            return;
        }
        boolean ok = actual.rank() == s.rank() + 1;
        for (int i = 0; ok && i < s.rank(); i++) {
            ok = s.dim(i) < 0 || s.dim(i) == actual.dim(i + 1);
        }
        if (!ok) {
            throw new TensorShapeException("model '" + name + "': input '" + in.name() + "' must be [N, "
                    + s.toString().substring(1) + " but was " + actual);
        }
    }

    // ------------------------------------------------------------------ validation

    private static List<Node> topologicalOrder(String model, List<Input> inputs, List<Node> nodes,
                                               List<String> outputs) {
        Map<String, Node> producers = new HashMap<>();
        Set<String> names = new HashSet<>();
        Set<String> inputNames = new HashSet<>();
        for (Input in : inputs) {
            if (!inputNames.add(in.name())) {
                throw new GraphException("model '" + model + "': input '" + in.name() + "' is declared twice");
            }
        }
        for (Node n : nodes) {
            if (!names.add(n.name())) {
                throw new GraphException("model '" + model + "': two nodes are named '" + n.name() + "'");
            }
            if (inputNames.contains(n.output()) || producers.put(n.output(), n) != null) {
                throw new GraphException("model '" + model + "': tensor '" + n.output()
                        + "' is written by more than one node or is also a graph input (node '" + n.name() + "')");
            }
        }
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                if (!inputNames.contains(in) && !producers.containsKey(in)) {
                    throw new GraphException("model '" + model + "': node '" + n.name() + "' (" + n.opType()
                            + ") reads tensor '" + in + "', which is neither a graph input nor the output of a node");
                }
            }
        }
        for (String out : outputs) {
            if (!inputNames.contains(out) && !producers.containsKey(out)) {
                throw new GraphException("model '" + model + "': output '" + out + "' is not produced by any node");
            }
        }
        // Kahn's algorithm, stable: among ready nodes the earliest given goes first.
        Map<Node, Integer> missing = new HashMap<>();
        Map<String, List<Node>> readers = new HashMap<>();
        for (Node n : nodes) {
            int m = 0;
            for (String in : new HashSet<>(n.inputs())) {
                if (!inputNames.contains(in)) {
                    m++;
                    readers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
            missing.put(n, m);
        }
        Map<Node, Integer> position = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            position.put(nodes.get(i), i);
        }
        java.util.PriorityQueue<Node> ready = new java.util.PriorityQueue<>(
                java.util.Comparator.comparingInt(position::get));
        for (Node n : nodes) {
            if (missing.get(n) == 0) {
                ready.add(n);
            }
        }
        List<Node> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            Node n = ready.poll();
            order.add(n);
            for (Node r : readers.getOrDefault(n.output(), List.of())) {
                if (missing.merge(r, -1, Integer::sum) == 0) {
                    ready.add(r);
                }
            }
        }
        if (order.size() != nodes.size()) {
            List<String> stuck = new ArrayList<>();
            for (Node n : nodes) {
                if (missing.get(n) > 0) {
                    stuck.add(n.name());
                }
            }
            throw new GraphException("model '" + model + "': the graph has a cycle through nodes " + stuck);
        }
        return order;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Model '" + name + "' inputs " + inputs + " outputs " + outputs + "\n");
        for (Node n : nodes) {
            sb.append("  ").append(n.name()).append(": ").append(n.opType()).append(' ').append(n.inputs())
                    .append(" -> ").append(n.output()).append('\n');
        }
        return sb.toString();
    }
}
