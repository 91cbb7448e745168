package org.lrp4j.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.ByteString;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.GraphException;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.layers.Layer;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.onnx.Val.Const;
import org.lrp4j.onnx.proto.Onnx.GraphProto;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.NodeProto;
import org.lrp4j.onnx.proto.Onnx.OperatorSetIdProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.onnx.proto.Onnx.TensorShapeProto;
import org.lrp4j.onnx.proto.Onnx.ValueInfoProto;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * One import: initializers decoded, the ONNX graph walked in topological order, and each node handed to the
 * {@link OpFamily} of its operator, which maps it to lrp4j layers or folds it to a constant. Holds what the walk
 * has learnt so far (the value of every tensor name, the lrp4j nodes) and probes tensor shapes on demand.
 */
final class Importer {
    static final int MIN_OPSET = 7;
    static final int MAX_OPSET = 22;

    /** Probe batch sizes: shape arithmetic is evaluated for both, so batch-dependent entries can be told apart. */
    static final int PROBE_A = 2;
    static final int PROBE_B = 3;
    private static final long MAX_PROBE_SAMPLE = 1L << 24;

    private final String where;
    private final String modelName;
    private final TensorDecoder decoder;
    private int opset;
    private final Map<String, Val> vals = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> nodeNames = new HashSet<>();
    private final List<Model.Input> inputs = new ArrayList<>();
    private final Set<String> consumed = new HashSet<>();
    private Map<String, Tensor[]> probe;
    private int probed;

    Importer(String where, Path dir, String modelName) {
        this.where = where;
        this.modelName = modelName;
        this.decoder = new TensorDecoder(where, dir);
    }

    OnnxFormatException fail(String message) {
        return new OnnxFormatException(where + ": " + message);
    }

    int opset() {
        return opset;
    }

    Val value(String tensor) {
        return vals.get(tensor);
    }

    boolean isConsumed(String tensor) {
        return consumed.contains(tensor);
    }

    void define(String tensor, Const value) {
        vals.put(tensor, value);
    }

    Arr decode(TensorProto t) throws OnnxFormatException {
        return decoder.decode(t);
    }

    void addNode(String name, Layer layer, List<String> ins, String output) {
        nodes.add(new Node(name, layer, ins, output));
        nodeNames.add(name);
        vals.put(output, new Comp(output));
    }

    String uniqueName(String base) {
        String s = base;
        for (int k = 2; nodeNames.contains(s); k++) {
            s = base + "_" + k;
        }
        return s;
    }

    // ------------------------------------------------------------------ the walk

    Model run(ByteString bytes) throws OnnxFormatException {
        ModelProto mp = Protos.readModel(bytes, where);
        opset = -1;
        for (OperatorSetIdProto o : mp.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = (int) Math.max(-1, Math.min(Integer.MAX_VALUE, o.getVersion()));
            }
        }
        if (opset < 0) {
            throw fail("no opset_import for the default ONNX domain");
        }
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw fail("opset " + opset + " is not supported (lrp4j imports opsets " + MIN_OPSET + " to " + MAX_OPSET
                    + ")");
        }
        try {
            return convert(mp.getGraph());
        } catch (RuntimeException e) {   // a GraphException from Model.of, or one a node's conversion rethrew
            throw new OnnxFormatException(where + ": " + e.getMessage(), e);
        }
    }

    private Model convert(GraphProto g) throws OnnxFormatException {
        for (TensorProto t : g.getInitializerList()) {
            if (t.getName().isEmpty()) {
                throw fail("an initializer has no name");
            }
            if (vals.put(t.getName(), Const.of(decoder.decode(t))) != null) {
                throw fail("initializer '" + t.getName() + "' is given twice");
            }
        }
        for (ValueInfoProto vi : g.getInputList()) {
            if (vals.containsKey(vi.getName())) {
                continue;   // an initializer listed as an input (IR < 4): a constant
            }
            inputs.add(new Model.Input(vi.getName(), sampleShape(vi)));
            vals.put(vi.getName(), new Comp(vi.getName()));
        }
        if (inputs.isEmpty()) {
            throw fail("the graph has no (non-constant) input");
        }
        for (NodeProto nd : g.getNodeList()) {
            consumed.addAll(nd.getInputList());
        }
        for (ValueInfoProto vi : g.getOutputList()) {
            consumed.add(vi.getName());
        }
        for (int i : topologicalOrder(g.getNodeList())) {
            OnnxNode n = new OnnxNode(g.getNode(i), uniqueName(display(g.getNode(i), i)), this);
            try {
                convert(n);
            } catch (GraphException e) {
                throw e;
            } catch (RuntimeException e) {
                OnnxFormatException f = n.fail(String.valueOf(e.getMessage()));
                f.initCause(e);
                throw f;
            }
        }
        List<String> outs = new ArrayList<>();
        for (ValueInfoProto vi : g.getOutputList()) {
            Val v = vals.get(vi.getName());
            if (v == null) {
                throw fail("graph output '" + vi.getName() + "' is not produced by any node");
            }
            if (v instanceof Const) {
                throw fail("graph output '" + vi.getName() + "' is a constant; lrp4j needs outputs computed from an"
                        + " input");
            }
            outs.add(((Comp) v).name());
        }
        if (outs.isEmpty()) {
            throw fail("the graph has no output");
        }
        String name = g.getName().isEmpty() ? modelName : g.getName();
        return Model.of(name, inputs, nodes, outs);
    }

    private static void convert(OnnxNode n) throws OnnxFormatException {
        NodeProto nd = n.proto();
        if (nd.getOutputCount() == 0 || nd.getOutput(0).isEmpty()) {
            throw n.fail("has no output");
        }
        if (!nd.getDomain().isEmpty() && !nd.getDomain().equals("ai.onnx")) {
            throw n.fail("operators of domain '" + nd.getDomain() + "' are not supported; supported operators"
                    + " (default domain): " + OpFamily.SUPPORTED);
        }
        OpFamily family = OpFamily.BY_OP_TYPE.get(nd.getOpType());
        if (family == null) {
            throw n.fail("operator '" + nd.getOpType() + "' is not supported; supported operators: "
                    + OpFamily.SUPPORTED);
        }
        family.read(n);
    }

    private Shape sampleShape(ValueInfoProto vi) throws OnnxFormatException {
        if (Protos.isNonTensor(vi)) {
            throw fail("graph input '" + vi.getName() + "' is not a tensor");
        }
        int elemType = Protos.elemType(vi);
        if (elemType != 0 && elemType != TensorProto.DataType.FLOAT_VALUE) {
            throw fail("graph input '" + vi.getName() + "' has data type " + Protos.typeName(elemType)
                    + "; lrp4j models take float32 inputs");
        }
        if (!Protos.hasShape(vi)) {
            return null;
        }
        List<TensorShapeProto.Dimension> dims = vi.getType().getTensorType().getShape().getDimList();
        if (dims.isEmpty()) {
            throw fail("graph input '" + vi.getName() + "' is a scalar; lrp4j needs a batch axis first");
        }
        int[] d = new int[dims.size() - 1];
        for (int i = 0; i < d.length; i++) {
            TensorShapeProto.Dimension dim = dims.get(i + 1);
            if (!dim.hasDimValue() || dim.getDimValue() < 0) {
                d[i] = -1;
            } else if (dim.getDimValue() > Integer.MAX_VALUE - 8) {
                throw fail("graph input '" + vi.getName() + "' has dimension " + dim.getDimValue() + ", too large");
            } else {
                d[i] = (int) dim.getDimValue();
            }
        }
        return Shape.of(d);
    }

    /** Kahn's algorithm over the ONNX nodes, stable; reports dangling inputs and cycles by node name. */
    private List<Integer> topologicalOrder(List<NodeProto> all) throws OnnxFormatException {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            for (String o : all.get(i).getOutputList()) {
                if (o.isEmpty()) {
                    continue;
                }
                if (vals.containsKey(o) || producer.put(o, i) != null) {
                    throw fail("tensor '" + o + "' is written by more than one node or is also a graph input or"
                            + " initializer (node '" + display(all.get(i), i) + "')");
                }
            }
        }
        int[] missing = new int[all.size()];
        Map<String, List<Integer>> readers = new HashMap<>();
        for (int i = 0; i < all.size(); i++) {
            NodeProto nd = all.get(i);
            for (String in : new java.util.LinkedHashSet<>(nd.getInputList())) {
                if (in.isEmpty() || vals.containsKey(in)) {
                    continue;
                }
                if (!producer.containsKey(in)) {
                    throw fail("node '" + display(nd, i) + "' (" + nd.getOpType() + ") reads tensor '" + in
                            + "', which is neither a graph input, an initializer nor the output of a node");
                }
                missing[i]++;
                readers.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
            }
        }
        java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
        for (int i = 0; i < all.size(); i++) {
            if (missing[i] == 0) {
                ready.add(i);
            }
        }
        List<Integer> order = new ArrayList<>(all.size());
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(i);
            for (String o : all.get(i).getOutputList()) {
                for (int r : readers.getOrDefault(o, List.of())) {
                    if (--missing[r] == 0) {
                        ready.add(r);
                    }
                }
            }
        }
        if (order.size() != all.size()) {
            List<String> stuck = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                if (missing[i] > 0) {
                    stuck.add(display(all.get(i), i));
                }
            }
            throw fail("the graph has a cycle through nodes " + stuck);
        }
        return order;
    }

    private static String display(NodeProto nd, int i) {
        return nd.getName().isEmpty() ? nd.getOpType() + "_" + i : nd.getName();
    }

    // ------------------------------------------------------------------ probing shapes

    /**
     * The values of a computed tensor for a zero input of batch {@link #PROBE_A} (k = 0) and {@link #PROBE_B}; the
     * lrp4j nodes added so far are run as far as needed. {@code asker} is the node that needs them (for messages).
     */
    Tensor[] probe(String tensor, OnnxNode asker) throws OnnxFormatException {
        if (probe == null) {
            probe = new HashMap<>();
            for (Model.Input input : inputs) {
                Shape s = input.sampleShape();
                if (s == null) {
                    throw asker.fail("needs tensor shapes, but graph input '" + input.name() + "' has no shape");
                }
                for (int d : s.toArray()) {
                    if (d < 0) {
                        throw asker.fail("needs tensor shapes, but graph input '" + input.name()
                                + "' has a dynamic dimension besides the batch: " + s);
                    }
                }
                if (s.size() > MAX_PROBE_SAMPLE) {
                    throw asker.fail("graph input '" + input.name() + "' of shape " + s + " is too large");
                }
                int[] da = new int[s.rank() + 1];
                int[] db = new int[s.rank() + 1];
                da[0] = PROBE_A;
                db[0] = PROBE_B;
                System.arraycopy(s.toArray(), 0, da, 1, s.rank());
                System.arraycopy(s.toArray(), 0, db, 1, s.rank());
                probe.put(input.name(), new Tensor[] {Tensor.zeros(da), Tensor.zeros(db)});
            }
        }
        while (!probe.containsKey(tensor)) {
            if (probed >= nodes.size()) {
                throw new IllegalStateException("no node computes '" + tensor + "'");
            }
            Node nd = nodes.get(probed++);
            Tensor[] r = new Tensor[2];
            for (int k = 0; k < 2; k++) {
                List<Variable> vs = new ArrayList<>();
                for (String s : nd.inputs()) {
                    vs.add(Variable.constant(probe.get(s)[k]));
                }
                try (GradMode.Scope s = GradMode.disabled()) {
                    r[k] = nd.layer().forward(vs, ForwardContext.inference()).value();
                } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                    throw fail("node '" + nd.name() + "' (" + nd.opType() + "): " + e.getMessage()
                            + " (while computing tensor shapes for node '" + asker.name() + "')");
                } catch (OutOfMemoryError e) {
                    throw fail("node '" + nd.name() + "' (" + nd.opType() + "): its output is too large"
                            + " (while computing tensor shapes for node '" + asker.name() + "')");
                }
            }
            probe.put(nd.output(), r);
        }
        return probe.get(tensor);
    }
}
