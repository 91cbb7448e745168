package org.lrp4j.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.GraphException;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.layers.Add;
import org.lrp4j.layers.AvgPool2d;
import org.lrp4j.layers.BatchNorm;
import org.lrp4j.layers.Binary;
import org.lrp4j.layers.Clip;
import org.lrp4j.layers.Concat;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Dropout;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.layers.GlobalAveragePool;
import org.lrp4j.layers.Identity;
import org.lrp4j.layers.Layer;
import org.lrp4j.layers.LeakyReLU;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.LocalResponseNorm;
import org.lrp4j.layers.MatMul;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.Pad;
import org.lrp4j.layers.ReLU;
import org.lrp4j.layers.Reshape;
import org.lrp4j.layers.Sigmoid;
import org.lrp4j.layers.Softmax;
import org.lrp4j.layers.Squeeze;
import org.lrp4j.layers.Tanh;
import org.lrp4j.layers.Transpose;
import org.lrp4j.layers.Unsqueeze;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.onnx.proto.Onnx.AttributeProto.AttributeType;
import org.lrp4j.onnx.proto.Onnx.GraphProto;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.NodeProto;
import org.lrp4j.onnx.proto.Onnx.OperatorSetIdProto;
import org.lrp4j.onnx.proto.Onnx.StringStringEntryProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.onnx.proto.Onnx.TensorShapeProto;
import org.lrp4j.onnx.proto.Onnx.ValueInfoProto;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/** One import: the ONNX graph walked in topological order, each node mapped to layers or folded to a constant. */
final class Importer {
    static final int MIN_OPSET = 7;
    static final int MAX_OPSET = 22;

    static final List<String> SUPPORTED = List.of("Add", "AveragePool", "BatchNormalization", "Cast", "Clip",
            "Concat", "Constant", "ConstantOfShape", "Conv", "Div", "Dropout", "Equal", "Expand", "Flatten", "Gather",
            "Gemm", "GlobalAveragePool", "Greater", "Identity", "LRN", "LeakyRelu", "Less", "MatMul", "MaxPool", "Mul",
            "Pad", "Range", "Relu", "Reshape", "Shape", "Sigmoid", "Size", "Slice", "Softmax", "Squeeze", "Sub",
            "Tanh", "Transpose", "Unsqueeze", "Where");

    /** Probe batch sizes: shape arithmetic is evaluated for both, so batch-dependent entries can be told apart. */
    private static final int PROBE_A = 2;
    private static final int PROBE_B = 3;
    private static final long MAX_PROBE_SAMPLE = 1L << 24;

    /** What an ONNX tensor name stands for at import time. */
    private sealed interface Val permits Const, Comp {
    }

    /** A constant; {@code a} and {@code b} are its values for the two probe batch sizes (the same if static). */
    private record Const(Arr a, Arr b) implements Val {
        static Const of(Arr x) {
            return new Const(x, x);
        }

        boolean isStatic() {
            return a.sameAs(b);
        }
    }

    /** A tensor computed by the model graph. */
    private record Comp(String name) implements Val {
    }

    private final String where;
    private final Path dir;
    private final String modelName;
    private int opset;
    private final Map<String, Val> vals = new HashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Set<String> nodeNames = new HashSet<>();
    private final List<Model.Input> inputs = new ArrayList<>();
    private final Set<String> consumed = new HashSet<>();
    private Map<String, Tensor[]> probe;
    private int probed;

    // the node being converted
    private NodeProto n;
    private String nodeName;

    Importer(String where, Path dir, String modelName) {
        this.where = where;
        this.dir = dir;
        this.modelName = modelName;
    }

    private OnnxFormatException fail(String message) {
        return new OnnxFormatException(where + ": " + message);
    }

    private OnnxFormatException nodeFail(String message) {
        return fail("node '" + nodeName + "' (" + n.getOpType() + "): " + message);
    }

    // ------------------------------------------------------------------ top level

    Model run(byte[] bytes) throws OnnxFormatException {
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
        GraphProto g = mp.getGraph();
        try {
            return convert(g);
        } catch (OnnxFormatException e) {
            throw e;
        } catch (GraphException e) {
            throw new OnnxFormatException(where + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            String ctx = n == null ? "" : "node '" + nodeName + "' (" + n.getOpType() + "): ";
            throw new OnnxFormatException(where + ": " + ctx + e.getMessage(), e);
        }
    }

    private Model convert(GraphProto g) throws OnnxFormatException {
        for (TensorProto t : g.getInitializerList()) {
            if (t.getName().isEmpty()) {
                throw fail("an initializer has no name");
            }
            if (vals.put(t.getName(), Const.of(decode(t))) != null) {
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
            NodeProto nd = g.getNode(i);
            n = nd;
            nodeName = uniqueName(display(nd, i));
            if (nd.getOutputList().isEmpty() || nd.getOutputList().get(0).isEmpty()) {
                throw nodeFail("has no output");
            }
            if (!nd.getDomain().isEmpty() && !nd.getDomain().equals("ai.onnx")) {
                throw nodeFail("operators of domain '" + nd.getDomain() + "' are not supported; supported operators"
                        + " (default domain): " + SUPPORTED);
            }
            convertNode();
        }
        n = null;
        List<String> outs = new ArrayList<>();
        for (ValueInfoProto vi : g.getOutputList()) {
            Val v = vals.get(vi.getName());
            if (v == null) {
                throw fail("graph output '" + vi.getName() + "' is not produced by any node");
            }
            if (v instanceof Const) {
                throw fail("graph output '" + vi.getName() + "' is a constant; lrp4j needs outputs computed from an input");
            }
            outs.add(((Comp) v).name());
        }
        if (outs.isEmpty()) {
            throw fail("the graph has no output");
        }
        String name = g.getName().isEmpty() ? modelName : g.getName();
        return Model.of(name, inputs, nodes, outs);
    }

    private String uniqueName(String base) {
        String s = base;
        for (int k = 2; nodeNames.contains(s); k++) {
            s = base + "_" + k;
        }
        return s;
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

    // ------------------------------------------------------------------ tensors

    private static int elementSize(int type) {
        return switch (type) {
            case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.INT32_VALUE, TensorProto.DataType.UINT32_VALUE -> 4;
            case TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.INT64_VALUE, TensorProto.DataType.UINT64_VALUE -> 8;
            case TensorProto.DataType.FLOAT16_VALUE, TensorProto.DataType.BFLOAT16_VALUE, TensorProto.DataType.INT16_VALUE, TensorProto.DataType.UINT16_VALUE -> 2;
            case TensorProto.DataType.INT8_VALUE, TensorProto.DataType.UINT8_VALUE, TensorProto.DataType.BOOL_VALUE -> 1;
            default -> -1;
        };
    }

    private static boolean isFloatType(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.DOUBLE_VALUE || type == TensorProto.DataType.FLOAT16_VALUE || type == TensorProto.DataType.BFLOAT16_VALUE;
    }

    /** Decodes a TensorProto; sizes are checked against the bytes present before anything is allocated. */
    private Arr decode(TensorProto t) throws OnnxFormatException {
        String tn = "tensor '" + t.getName() + "'";
        int es = elementSize(t.getDataType());
        if (es < 0) {
            throw fail(tn + " has data type " + Protos.typeName(t.getDataType()) + ", which lrp4j does not support"
                    + " (supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8/16/32/64, UINT8/16/32/64, BOOL)");
        }
        String shape = t.getDimsList().toString();
        int[] dims = new int[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = t.getDims(i);
            if (d < 0) {
                throw fail(tn + " has a negative dimension in " + shape);
            }
            count = d == 0 || count == 0 ? 0 : count * d;
            if (d > Integer.MAX_VALUE || count > Integer.MAX_VALUE - 8 || count < 0) {
                throw fail(tn + " has dimensions " + shape + ", more elements than lrp4j supports");
            }
            dims[i] = (int) d;
        }
        int cnt = (int) count;
        if (t.hasSegment()) {
            throw fail(tn + " is stored in segments, which lrp4j does not support");
        }
        ByteBuffer raw = t.hasRawData() ? t.getRawData().asReadOnlyByteBuffer() : null;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = external(t, (long) cnt * es);
        } else if (t.getUnknownFields().hasField(TensorProto.DATA_LOCATION_FIELD_NUMBER)) {
            throw fail(tn + " has an unknown data_location");
        }
        if (raw != null) {
            if (raw.remaining() != (long) cnt * es) {
                throw fail(tn + " of shape " + shape + " and type " + Protos.typeName(t.getDataType())
                        + " needs " + (long) cnt * es + " bytes but raw_data has " + raw.remaining());
            }
            return fromRaw(raw.duplicate().order(ByteOrder.LITTLE_ENDIAN), t.getDataType(), cnt, dims);
        }
        int present = switch (t.getDataType()) {
            case TensorProto.DataType.FLOAT_VALUE -> t.getFloatDataCount();
            case TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleDataCount();
            case TensorProto.DataType.INT64_VALUE -> t.getInt64DataCount();
            case TensorProto.DataType.UINT32_VALUE, TensorProto.DataType.UINT64_VALUE -> t.getUint64DataCount();
            default -> t.getInt32DataCount();
        };
        if (present != cnt) {
            throw fail(tn + " of shape " + shape + " needs " + cnt + " values but holds " + present);
        }
        switch (t.getDataType()) {
            case TensorProto.DataType.FLOAT_VALUE: {
                float[] f = new float[cnt];
                for (int i = 0; i < cnt; i++) {
                    f[i] = t.getFloatData(i);
                }
                return Arr.floats(f, dims);
            }
            case TensorProto.DataType.DOUBLE_VALUE: {
                float[] f = new float[cnt];
                for (int i = 0; i < cnt; i++) {
                    f[i] = (float) t.getDoubleData(i);
                }
                return Arr.floats(f, dims);
            }
            case TensorProto.DataType.FLOAT16_VALUE:
            case TensorProto.DataType.BFLOAT16_VALUE: {
                float[] f = new float[cnt];
                for (int i = 0; i < cnt; i++) {
                    int bits = t.getInt32Data(i) & 0xffff;
                    f[i] = t.getDataType() == TensorProto.DataType.FLOAT16_VALUE ? half(bits) : Float.intBitsToFloat(bits << 16);
                }
                return Arr.floats(f, dims);
            }
            case TensorProto.DataType.INT64_VALUE: {
                long[] l = new long[cnt];
                for (int i = 0; i < cnt; i++) {
                    l[i] = t.getInt64Data(i);
                }
                return Arr.longs(l, dims);
            }
            case TensorProto.DataType.UINT32_VALUE:
            case TensorProto.DataType.UINT64_VALUE: {
                long[] l = new long[cnt];
                for (int i = 0; i < cnt; i++) {
                    l[i] = t.getUint64Data(i);
                }
                return Arr.longs(l, dims);
            }
            default: {
                long[] l = new long[cnt];
                for (int i = 0; i < cnt; i++) {
                    int v = t.getInt32Data(i);
                    l[i] = t.getDataType() == TensorProto.DataType.BOOL_VALUE ? (v != 0 ? 1 : 0) : v;
                }
                return Arr.longs(l, dims);
            }
        }
    }

    static float half(int h) {
        int s = (h >>> 15) & 1;
        int e = (h >>> 10) & 0x1f;
        int m = h & 0x3ff;
        float v;
        if (e == 0) {
            v = m * 0x1p-24f;
        } else if (e == 31) {
            v = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = Float.intBitsToFloat(((e - 15 + 127) << 23) | (m << 13));
        }
        return s == 1 ? -v : v;
    }

    private static Arr fromRaw(ByteBuffer b, int type, int cnt, int[] dims) {
        if (isFloatType(type)) {
            float[] f = new float[cnt];
            switch (type) {
                case TensorProto.DataType.FLOAT_VALUE -> b.asFloatBuffer().get(f);
                case TensorProto.DataType.DOUBLE_VALUE -> {
                    for (int i = 0; i < cnt; i++) {
                        f[i] = (float) b.getDouble();
                    }
                }
                case TensorProto.DataType.FLOAT16_VALUE -> {
                    for (int i = 0; i < cnt; i++) {
                        f[i] = half(b.getShort() & 0xffff);
                    }
                }
                default -> {
                    for (int i = 0; i < cnt; i++) {
                        f[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                    }
                }
            }
            return Arr.floats(f, dims);
        }
        long[] l = new long[cnt];
        for (int i = 0; i < cnt; i++) {
            l[i] = switch (type) {
                case TensorProto.DataType.INT64_VALUE, TensorProto.DataType.UINT64_VALUE -> b.getLong();
                case TensorProto.DataType.INT32_VALUE -> b.getInt();
                case TensorProto.DataType.UINT32_VALUE -> b.getInt() & 0xffffffffL;
                case TensorProto.DataType.INT16_VALUE -> b.getShort();
                case TensorProto.DataType.UINT16_VALUE -> b.getShort() & 0xffff;
                case TensorProto.DataType.INT8_VALUE -> b.get();
                case TensorProto.DataType.UINT8_VALUE -> b.get() & 0xff;
                default -> b.get() != 0 ? 1 : 0;   // BOOL
            };
        }
        return Arr.longs(l, dims);
    }

    /** Reads external tensor data from a file inside the model's folder. */
    private ByteBuffer external(TensorProto t, long expected) throws OnnxFormatException {
        String tn = "tensor '" + t.getName() + "'";
        if (dir == null) {
            throw fail(tn + " keeps its data in an external file, but the model was not loaded from a file");
        }
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue().trim());
                    case "length" -> length = Long.parseLong(e.getValue().trim());
                    default -> {
                    }
                }
            } catch (NumberFormatException ex) {
                throw fail(tn + ": external data " + e.getKey() + " '" + e.getValue() + "' is not a number");
            }
        }
        if (location == null || location.isEmpty()) {
            throw fail(tn + " has data_location EXTERNAL but no 'location'");
        }
        Path base;
        Path p;
        try {
            base = dir.toRealPath();
            Path rel = Path.of(location);
            if (rel.isAbsolute()) {
                throw fail(tn + ": external data location '" + location + "' must be relative to the model's folder");
            }
            p = base.resolve(rel).normalize();
            if (!p.startsWith(base)) {
                throw fail(tn + ": external data location '" + location + "' leaves the model's folder");
            }
            if (!Files.isRegularFile(p)) {
                throw fail(tn + ": external data file '" + location + "' does not exist");
            }
            if (!p.toRealPath().startsWith(base)) {
                throw fail(tn + ": external data location '" + location + "' leaves the model's folder");
            }
        } catch (java.nio.file.InvalidPathException e) {
            throw fail(tn + ": invalid external data location '" + location + "'");
        } catch (OnnxFormatException e) {
            throw e;
        } catch (IOException e) {
            throw fail(tn + ": cannot resolve external data '" + location + "': " + e);
        }
        if (length >= 0 && length != expected) {
            throw fail(tn + " needs " + expected + " bytes but its external data length is " + length);
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (offset < 0 || offset > size || expected > size - offset) {
                throw fail(tn + ": external file '" + location + "' has " + size + " bytes, too few for " + expected
                        + " bytes at offset " + offset);
            }
            ByteBuffer b = ByteBuffer.allocate((int) expected);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw fail(tn + ": external file '" + location + "' ended early");
                }
            }
            b.flip();
            return b;
        } catch (OnnxFormatException e) {
            throw e;
        } catch (IOException e) {
            throw fail(tn + ": cannot read external data '" + location + "': " + e);
        }
    }

    // ------------------------------------------------------------------ node helpers

    private Val in(int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
            return null;
        }
        return vals.get(n.getInput(i));
    }

    private Val required(int i, String role) throws OnnxFormatException {
        Val v = in(i);
        if (v == null) {
            throw nodeFail("input " + i + " (" + role + ") is missing");
        }
        return v;
    }

    private String computed(int i, String role) throws OnnxFormatException {
        Val v = required(i, role);
        if (v instanceof Comp c) {
            return c.name();
        }
        throw nodeFail("input " + i + " (" + role + ") must be computed from the graph input, but it is a constant");
    }

    private Arr constant(int i, String role) throws OnnxFormatException {
        Val v = required(i, role);
        if (v instanceof Const c) {
            if (!c.isStatic()) {
                throw nodeFail("input " + i + " (" + role + ") depends on the batch size; lrp4j needs it fixed");
            }
            return c.a();
        }
        throw nodeFail("input " + i + " (" + role + ") must be a constant (an initializer or folded shape"
                + " arithmetic), but it is computed from the graph input");
    }

    private Arr optionalConstant(int i, String role) throws OnnxFormatException {
        return in(i) == null ? null : constant(i, role);
    }

    private Arr floatConstant(int i, String role, int rank) throws OnnxFormatException {
        Arr a = constant(i, role);
        if (rank >= 0 && a.rank() != rank) {
            throw nodeFail(role + " must have rank " + rank + " but has shape " + Arrays.toString(a.dims));
        }
        return a.isFloat() ? a : Arr.floats(a.floats(), a.dims);
    }

    private AttributeProto attr(String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private long attrInt(String name, long def) throws OnnxFormatException {
        AttributeProto a = attr(name);
        if (a == null) {
            return def;
        }
        if (a.getType().getNumber() != AttributeType.INT_VALUE && a.getType().getNumber() != 0) {
            throw nodeFail("attribute '" + name + "' must be an int");
        }
        return a.getI();
    }

    private float attrFloat(String name, float def) throws OnnxFormatException {
        AttributeProto a = attr(name);
        if (a == null) {
            return def;
        }
        if (a.getType().getNumber() == AttributeType.INT_VALUE) {
            return a.getI();
        }
        if (a.getType().getNumber() != AttributeType.FLOAT_VALUE && a.getType().getNumber() != 0) {
            throw nodeFail("attribute '" + name + "' must be a float");
        }
        return a.getF();
    }

    private long[] attrInts(String name, long[] def) throws OnnxFormatException {
        AttributeProto a = attr(name);
        if (a == null) {
            return def;
        }
        if (a.getType().getNumber() != AttributeType.INTS_VALUE && a.getType().getNumber() != 0) {
            throw nodeFail("attribute '" + name + "' must be a list of ints");
        }
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private String attrString(String name, String def) throws OnnxFormatException {
        AttributeProto a = attr(name);
        if (a == null) {
            return def;
        }
        if (a.getType().getNumber() != AttributeType.STRING_VALUE && a.getType().getNumber() != 0) {
            throw nodeFail("attribute '" + name + "' must be a string");
        }
        return a.getS().toStringUtf8();
    }

    private static int toInt(long v, String what) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " " + v + " is out of range");
        }
        return (int) v;
    }

    private static int[] toInts(long[] v, String what) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = toInt(v[i], what);
        }
        return r;
    }

    /** Integers given as an attribute (before {@code sinceOpset}) or as a constant input (from it on). */
    private long[] intsAttrOrInput(String name, int input, int sinceOpset) throws OnnxFormatException {
        if (opset < sinceOpset) {
            return attrInts(name, null);
        }
        if (attr(name) != null) {
            return attrInts(name, null);   // tolerated: some exporters keep the attribute
        }
        Arr a = optionalConstant(input, name);
        return a == null ? null : a.longs();
    }

    private String out() {
        return n.getOutput(0);
    }

    /** Extra outputs (MaxPool indices, Dropout mask, ...) must be unused. */
    private void onlyFirstOutput() throws OnnxFormatException {
        for (int i = 1; i < n.getOutputCount(); i++) {
            String o = n.getOutput(i);
            if (!o.isEmpty() && consumed.contains(o)) {
                throw nodeFail("output " + i + " ('" + o + "') is used, but lrp4j only computes the first output");
            }
        }
    }

    private void addNode(String name, Layer layer, List<String> ins, String output) {
        nodes.add(new Node(name, layer, ins, output));
        nodeNames.add(name);
        vals.put(output, new Comp(output));
    }

    /**
     * Emits {@code layer} as the node's computation on the given inputs; if every input is a constant, the layer is
     * evaluated now and its output is a constant.
     */
    private void emit(Layer layer, Val... ins) throws OnnxFormatException {
        boolean allConst = true;
        boolean anyConst = false;
        for (Val v : ins) {
            allConst &= v instanceof Const;
            anyConst |= v instanceof Const;
        }
        if (allConst) {
            Arr[] res = new Arr[2];
            for (int k = 0; k < 2; k++) {
                List<Variable> vs = new ArrayList<>();
                for (Val v : ins) {
                    Const c = (Const) v;
                    vs.add(Variable.constant((k == 0 ? c.a() : c.b()).tensor()));
                }
                try (GradMode.Scope s = GradMode.disabled()) {
                    res[k] = Arr.of(layer.forward(vs, ForwardContext.inference()).value());
                }
            }
            vals.put(out(), new Const(res[0], res[1].sameAs(res[0]) ? res[0] : res[1]));
            return;
        }
        if (anyConst) {
            throw nodeFail("mixes constant and computed inputs, which lrp4j does not support for this operator");
        }
        List<String> names = new ArrayList<>();
        for (Val v : ins) {
            names.add(((Comp) v).name());
        }
        addNode(nodeName, layer, names, out());
    }

    // ------------------------------------------------------------------ probing shapes

    /** The values of a computed tensor for a zero input of batch {@link #PROBE_A} (k = 0) and {@link #PROBE_B}. */
    private Tensor[] probe(String tensor) throws OnnxFormatException {
        if (probe == null) {
            probe = new HashMap<>();
            for (Model.Input input : inputs) {
                Shape s = input.sampleShape();
                if (s == null) {
                    throw nodeFail("needs tensor shapes, but graph input '" + input.name() + "' has no shape");
                }
                for (int d : s.toArray()) {
                    if (d < 0) {
                        throw nodeFail("needs tensor shapes, but graph input '" + input.name()
                                + "' has a dynamic dimension besides the batch: " + s);
                    }
                }
                if (s.size() > MAX_PROBE_SAMPLE) {
                    throw nodeFail("graph input '" + input.name() + "' of shape " + s + " is too large");
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
                            + " (while computing tensor shapes for node '" + nodeName + "')");
                } catch (OutOfMemoryError e) {
                    throw fail("node '" + nd.name() + "' (" + nd.opType() + "): its output is too large"
                            + " (while computing tensor shapes for node '" + nodeName + "')");
                }
            }
            probe.put(nd.output(), r);
        }
        return probe.get(tensor);
    }

    private int[] probeDims(String tensor, int k) throws OnnxFormatException {
        return probe(tensor)[k].dims();
    }

    // ------------------------------------------------------------------ operators

    private void convertNode() throws OnnxFormatException {
        String op = n.getOpType();
        switch (op) {
            case "Conv" -> conv();
            case "Gemm" -> gemm();
            case "MatMul" -> matmul();
            case "Add", "Sub", "Mul", "Div" -> arithmetic();
            case "Relu" -> unary(new ReLU());
            case "Tanh" -> unary(new Tanh());
            case "Sigmoid" -> unary(new Sigmoid());
            case "LeakyRelu" -> unary(new LeakyReLU(attrFloat("alpha", 0.01f)));
            case "Clip" -> clip();
            case "Softmax" -> softmax();
            case "MaxPool", "AveragePool" -> pool();
            case "GlobalAveragePool" -> unary(new GlobalAveragePool());
            case "Flatten" -> unary(new Flatten(toInt(attrInt("axis", 1), "Flatten axis")));
            case "Reshape" -> reshape();
            case "Transpose" -> transpose();
            case "Squeeze" -> squeeze();
            case "Unsqueeze" -> unsqueeze();
            case "Concat" -> concat();
            case "BatchNormalization" -> batchNorm();
            case "LRN" -> lrn();
            case "Dropout" -> dropout();
            case "Identity" -> identity();
            case "Constant" -> constantNode();
            case "Pad" -> pad();
            case "Shape" -> shape();
            case "Size" -> size();
            case "Gather" -> gather();
            case "Cast" -> cast();
            case "Slice" -> slice();
            case "ConstantOfShape" -> constantOfShape();
            case "Range" -> vals.put(out(), foldBoth(x -> Fold.range(x[0], x[1], x[2]), 0, 1, 2));
            case "Equal", "Less", "Greater" -> vals.put(out(), foldBoth(x -> Fold.binary(op, x[0], x[1]), 0, 1));
            case "Where" -> vals.put(out(), foldBoth(x -> Fold.where(x[0], x[1], x[2]), 0, 1, 2));
            case "Expand" -> vals.put(out(), foldBoth(x -> Fold.expand(x[0], x[1].longs()), 0, 1));
            default -> throw nodeFail("operator '" + op + "' is not supported; supported operators: " + SUPPORTED);
        }
    }

    private interface ArrFn {
        Arr apply(Arr[] args);
    }

    /** Folds an operator whose inputs are all constants, for both probe batch sizes. */
    private Const foldBoth(ArrFn fn, int... inputIdx) throws OnnxFormatException {
        Arr[] a = new Arr[inputIdx.length];
        Arr[] b = new Arr[inputIdx.length];
        boolean same = true;
        for (int i = 0; i < inputIdx.length; i++) {
            Val v = required(inputIdx[i], "operand");
            if (!(v instanceof Const c)) {
                throw nodeFail("lrp4j supports " + n.getOpType() + " only on constants (shape arithmetic), but input "
                        + inputIdx[i] + " is computed from the graph input");
            }
            a[i] = c.a();
            b[i] = c.b();
            same &= c.a() == c.b();
        }
        Arr ra = fn.apply(a);
        Arr rb = same ? ra : fn.apply(b);
        return new Const(ra, rb.sameAs(ra) ? ra : rb);
    }

    private void unary(Layer layer) throws OnnxFormatException {
        onlyFirstOutput();
        emit(layer, required(0, "input"));
    }

    private void conv() throws OnnxFormatException {
        String x = null;
        Val xv = required(0, "X");
        Arr w = floatConstant(1, "weight", -1);
        if (w.rank() != 4) {
            throw nodeFail("only 2-D convolutions are supported (weight [Cout, C/groups, kH, kW]), but the weight has"
                    + " shape " + Arrays.toString(w.dims));
        }
        Arr b = in(2) == null ? null : floatConstant(2, "bias", 1);
        long[] ks = attrInts("kernel_shape", null);
        if (ks != null && (ks.length != 2 || ks[0] != w.dims[2] || ks[1] != w.dims[3])) {
            throw nodeFail("kernel_shape " + Arrays.toString(ks) + " does not match the weight "
                    + Arrays.toString(w.dims));
        }
        int[] st = toInts(attrInts("strides", new long[] {1, 1}), "stride");
        int[] dl = toInts(attrInts("dilations", new long[] {1, 1}), "dilation");
        int group = toInt(attrInt("group", 1), "group");
        if (st.length != 2 || dl.length != 2) {
            throw nodeFail("strides and dilations must have 2 entries");
        }
        if (xv instanceof Comp c) {
            x = c.name();
        }
        int[] pads = spatialPads(x, new int[] {w.dims[2], w.dims[3]}, st, dl);
        Conv2dSpec spec = new Conv2dSpec(st[0], st[1], pads[0], pads[1], pads[2], pads[3], dl[0], dl[1], group);
        emit(new Conv2d(spec, Variable.parameter(w.tensor()), b == null ? null : Variable.parameter(b.tensor())), xv);
    }

    /** Pads [top, left, bottom, right] from pads or auto_pad (which needs the input's spatial size). */
    private int[] spatialPads(String x, int[] k, int[] st, int[] dl) throws OnnxFormatException {
        String autoPad = attrString("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET", "" -> {
                int[] p = toInts(attrInts("pads", new long[] {0, 0, 0, 0}), "pad");
                if (p.length != 4) {
                    throw nodeFail("pads must have 4 entries (2-D), but has " + p.length);
                }
                return p;
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                if (x == null) {
                    throw nodeFail("auto_pad " + autoPad + " on a constant input is not supported");
                }
                int[] d = probeDims(x, 0);
                if (d.length != 4) {
                    throw nodeFail("input must be [N, C, H, W] but has shape " + Arrays.toString(d));
                }
                int[] p = new int[4];
                for (int a = 0; a < 2; a++) {
                    long in = d[2 + a];
                    long outSize = (in + st[a] - 1) / st[a];
                    long total = Math.max(0, (outSize - 1) * st[a] + (long) (k[a] - 1) * dl[a] + 1 - in);
                    long small = total / 2;
                    long big = total - small;
                    boolean upper = autoPad.equals("SAME_UPPER");
                    p[a] = (int) (upper ? small : big);
                    p[a + 2] = (int) (upper ? big : small);
                }
                return p;
            }
            default -> throw nodeFail("auto_pad '" + autoPad + "' is not supported");
        }
    }

    private void gemm() throws OnnxFormatException {
        float alpha = attrFloat("alpha", 1f);
        float beta = attrFloat("beta", 1f);
        boolean transA = attrInt("transA", 0) != 0;
        boolean transB = attrInt("transB", 0) != 0;
        Val av = required(0, "A");
        Val bv = required(1, "B");
        Val cv = in(2);
        if (av instanceof Const && bv instanceof Const && (cv == null || cv instanceof Const)) {
            throw nodeFail("Gemm of constants only is not supported");
        }
        String a = computed(0, "A");
        if (transA) {
            String t = out() + "/transA";
            addNode(uniqueName(nodeName + "/transA"), new Transpose(new int[] {1, 0}), List.of(a), t);
            a = t;
        }
        String y;
        boolean biasDone = false;
        if (bv instanceof Const) {
            Arr b = floatConstant(1, "B", 2);
            Tensor w = transB ? b.tensor() : b.tensor().transpose();
            if (alpha != 1f) {
                w = w.mul(alpha);
            }
            Tensor bias = null;
            if (cv instanceof Const) {
                Arr c = floatConstant(2, "C", -1);
                bias = biasVector(c, w.dim(0));
                if (bias != null) {
                    bias = beta != 1f ? bias.mul(beta) : bias;
                    biasDone = true;
                }
            } else if (cv == null) {
                biasDone = true;
            }
            Linear lin = new Linear(Variable.parameter(w), bias == null ? null : Variable.parameter(bias));
            y = biasDone ? out() : out() + "/matmul";
            addNode(biasDone ? nodeName : uniqueName(nodeName + "/matmul"), lin, List.of(a), y);
        } else {
            String b = computed(1, "B");
            if (transB) {
                String t = out() + "/transB";
                addNode(uniqueName(nodeName + "/transB"), new Transpose(new int[] {1, 0}), List.of(b), t);
                b = t;
            }
            y = out() + "/matmul";
            addNode(uniqueName(nodeName + "/matmul"), new MatMul(), List.of(a, b), y);
            if (alpha != 1f) {
                String s = out() + "/alpha";
                addNode(uniqueName(nodeName + "/alpha"), Binary.withConstant(Binary.Kind.MUL, Tensor.scalar(alpha)),
                        List.of(y), s);
                y = s;
            }
            biasDone = cv == null;
            if (biasDone) {
                addNode(nodeName, new Identity(), List.of(y), out());
            }
        }
        if (!biasDone) {
            if (cv instanceof Const) {
                Tensor c = floatConstant(2, "C", -1).tensor();
                addNode(nodeName, Binary.withConstant(Binary.Kind.ADD, beta != 1f ? c.mul(beta) : c), List.of(y),
                        out());
            } else {
                String c = computed(2, "C");
                if (beta != 1f) {
                    String s = out() + "/beta";
                    addNode(uniqueName(nodeName + "/beta"), Binary.withConstant(Binary.Kind.MUL, Tensor.scalar(beta)),
                            List.of(c), s);
                    c = s;
                }
                addNode(nodeName, new Add(), List.of(y, c), out());
            }
        }
    }

    /** C as a per-output bias vector [out] if it broadcasts that way ([], [1], [out], [1, out]), else null. */
    private static Tensor biasVector(Arr c, int outDim) {
        int size = c.size();
        boolean rowLike = c.rank() <= 1 || (c.rank() == 2 && c.dims[0] == 1);
        if (!rowLike) {
            return null;
        }
        if (size == outDim) {
            return Tensor.wrap(c.floats(), outDim);
        }
        if (size == 1) {
            return Tensor.full(c.floats()[0], outDim);
        }
        return null;
    }

    private void matmul() throws OnnxFormatException {
        Val av = required(0, "A");
        Val bv = required(1, "B");
        if (av instanceof Comp a && bv instanceof Const) {
            Arr b = floatConstant(1, "B", -1);
            if (b.rank() != 2) {
                throw nodeFail("a constant B must be a matrix [in, out], but has shape " + Arrays.toString(b.dims));
            }
            addNode(nodeName, new Linear(Variable.parameter(b.tensor().transpose()), null), List.of(a.name()), out());
        } else if (av instanceof Comp && bv instanceof Comp) {
            emit(new MatMul(), av, bv);
        } else if (av instanceof Const && bv instanceof Const) {
            emit(new MatMul(), av, bv);
        } else {
            throw nodeFail("a constant left operand with a computed right operand is not supported");
        }
    }

    private void arithmetic() throws OnnxFormatException {
        String op = n.getOpType();
        Binary.Kind kind = Binary.Kind.valueOf(op.toUpperCase(java.util.Locale.ROOT));
        Val a = required(0, "A");
        Val b = required(1, "B");
        if (a instanceof Const && b instanceof Const) {
            vals.put(out(), foldBoth(x -> Fold.binary(op, x[0], x[1]), 0, 1));
        } else if (a instanceof Comp ca && b instanceof Comp cb) {
            addNode(nodeName, kind == Binary.Kind.ADD ? new Add() : Binary.of(kind), List.of(ca.name(), cb.name()),
                    out());
        } else {
            boolean constFirst = a instanceof Const;
            Tensor c = floatConstant(constFirst ? 0 : 1, "constant operand", -1).tensor();
            String x = ((Comp) (constFirst ? b : a)).name();
            addNode(nodeName, new Binary(kind, c, constFirst), List.of(x), out());
        }
    }

    private void clip() throws OnnxFormatException {
        float min = Float.NEGATIVE_INFINITY;
        float max = Float.POSITIVE_INFINITY;
        if (opset < 11) {
            min = attrFloat("min", min);
            max = attrFloat("max", max);
        } else {
            Arr lo = optionalConstant(1, "min");
            Arr hi = optionalConstant(2, "max");
            if ((lo != null && lo.size() != 1) || (hi != null && hi.size() != 1)) {
                throw nodeFail("min and max must be scalars");
            }
            if (lo != null) {
                min = (float) lo.get(0);
            }
            if (hi != null) {
                max = (float) hi.get(0);
            }
        }
        emit(new Clip(min, max), required(0, "input"));
    }

    private void softmax() throws OnnxFormatException {
        int axis = toInt(attrInt("axis", opset < 13 ? 1 : -1), "axis");
        Val x = required(0, "input");
        if (opset >= 13) {
            emit(new Softmax(axis), x);
            return;
        }
        // Before opset 13 Softmax flattens the input to 2-D at `axis` and normalises each row.
        if (x instanceof Const c) {
            int r = c.a().rank();
            int ax = axis < 0 ? axis + r : axis;
            if (ax != r - 1) {
                throw nodeFail("opset " + opset + " Softmax of a constant over axes " + ax + ".. is not supported");
            }
            emit(new Softmax(ax), x);
            return;
        }
        String xn = ((Comp) x).name();
        int[] d = probeDims(xn, 0);
        int r = d.length;
        int ax = axis < 0 ? axis + r : axis;
        if (ax < 0 || ax >= r) {
            throw nodeFail("axis " + axis + " is out of range for an input of rank " + r);
        }
        if (ax == r - 1) {
            emit(new Softmax(ax), x);
            return;
        }
        if (ax == 0) {
            throw nodeFail("opset " + opset + " Softmax with axis 0 normalises across the batch, which lrp4j does"
                    + " not support");
        }
        String flat = out() + "/flatten";
        addNode(uniqueName(nodeName + "/flatten"), new Flatten(ax), List.of(xn), flat);
        String sm = out() + "/softmax";
        addNode(uniqueName(nodeName + "/softmax"), new Softmax(1), List.of(flat), sm);
        int[] back = d.clone();
        back[0] = 0;
        addNode(nodeName, new Reshape(back), List.of(sm), out());
    }

    private void pool() throws OnnxFormatException {
        onlyFirstOutput();
        boolean max = n.getOpType().equals("MaxPool");
        long[] ksl = attrInts("kernel_shape", null);
        if (ksl == null || ksl.length != 2) {
            throw nodeFail("only 2-D pooling is supported (kernel_shape with 2 entries), but kernel_shape is "
                    + (ksl == null ? "missing" : Arrays.toString(ksl)));
        }
        int[] k = toInts(ksl, "kernel size");
        int[] st = toInts(attrInts("strides", new long[] {1, 1}), "stride");
        int[] dl = toInts(attrInts("dilations", new long[] {1, 1}), "dilation");
        if (st.length != 2) {
            throw nodeFail("strides must have 2 entries");
        }
        if (dl.length != 2 || dl[0] != 1 || dl[1] != 1) {
            throw nodeFail("dilated pooling (dilations " + Arrays.toString(dl) + ") is not supported");
        }
        Val xv = required(0, "X");
        int[] p = spatialPads(xv instanceof Comp c ? c.name() : null, k, st, dl);
        boolean ceil = attrInt("ceil_mode", 0) != 0;
        boolean countPad = !max && attrInt("count_include_pad", 0) != 0;
        Pool2dSpec spec = new Pool2dSpec(k[0], k[1], st[0], st[1], p[0], p[1], p[2], p[3], ceil, countPad);
        if (ceil && countPad && xv instanceof Comp c) {
            // ONNX Runtime divides windows that run past the padded input (ceil mode) by the full kernel size, as if
            // the input were zero padded up to the last window; PyTorch clips them. Follow ONNX Runtime: pad
            // explicitly, then average every window over the whole kernel.
            int[] d = probeDims(c.name(), 0);
            org.lrp4j.tensor.Shape os = spec.outputShape(Shape.of(d));
            int extraH = Math.max(0, (os.dim(2) - 1) * st[0] + k[0] - (d[2] + p[0] + p[2]));
            int extraW = Math.max(0, (os.dim(3) - 1) * st[1] + k[1] - (d[3] + p[1] + p[3]));
            if (extraH > 0 || extraW > 0) {
                String padded = out() + "/pad";
                addNode(uniqueName(nodeName + "/pad"), new Pad(new int[] {0, 0, p[0], p[1], 0, 0, p[2] + extraH,
                    p[3] + extraW}), List.of(c.name()), padded);
                addNode(nodeName, new AvgPool2d(new Pool2dSpec(k[0], k[1], st[0], st[1], 0, 0, 0, 0, false, true)),
                        List.of(padded), out());
                return;
            }
        }
        emit(max ? new MaxPool2d(spec) : new AvgPool2d(spec), xv);
    }

    private void reshape() throws OnnxFormatException {
        Val data = required(0, "data");
        Val sv = required(1, "shape");
        boolean allowZero = attrInt("allowzero", 0) != 0;
        if (!(sv instanceof Const s)) {
            throw nodeFail("the target shape must be a constant or foldable shape arithmetic, but it is computed"
                    + " from the graph input's values");
        }
        if (data instanceof Const d) {
            Arr ra = d.a().reshape(Fold.reshapeDims(d.a().dims, s.a().longs(), allowZero));
            Arr rb = d.b() == d.a() && s.isStatic() ? ra
                    : d.b().reshape(Fold.reshapeDims(d.b().dims, s.b().longs(), allowZero));
            vals.put(out(), new Const(ra, rb.sameAs(ra) ? ra : rb));
            return;
        }
        String x = ((Comp) data).name();
        long[] a = s.a().longs();
        long[] b = s.b().longs();
        if (a.length != b.length) {
            throw nodeFail("the target shape's length depends on the batch size");
        }
        int[] target = new int[a.length];
        int dynamic = 0;
        boolean staticInfer = false;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == b[i]) {
                if (a[i] == 0 && allowZero) {
                    throw nodeFail("allowzero with a 0 in the target shape (an empty tensor) is not supported");
                }
                target[i] = toInt(a[i], "target dimension");
                staticInfer |= a[i] == -1;
                if (a[i] < -1) {
                    throw nodeFail("invalid target dimension " + a[i]);
                }
            } else if (i == 0 && !allowZero && a[i] == PROBE_A && b[i] == PROBE_B
                    && probeDims(x, 0).length > 0 && probeDims(x, 0)[0] == PROBE_A && probeDims(x, 1)[0] == PROBE_B) {
                target[i] = 0;   // the batch size: copy the input's dimension 0
            } else {
                target[i] = -1;
                dynamic++;
            }
        }
        if (dynamic > 1 || (dynamic == 1 && staticInfer)) {
            throw nodeFail("the target shape depends on the batch size in a way a Reshape cannot express (for batch "
                    + PROBE_A + " it is " + Arrays.toString(a) + ", for batch " + PROBE_B + " " + Arrays.toString(b)
                    + ")");
        }
        emit(new Reshape(target), data);
    }

    private void transpose() throws OnnxFormatException {
        Val x = required(0, "data");
        long[] perm = attrInts("perm", null);
        int[] p;
        if (perm == null) {
            int r = x instanceof Const c ? c.a().rank() : probeDims(((Comp) x).name(), 0).length;
            p = new int[r];
            for (int i = 0; i < r; i++) {
                p[i] = r - 1 - i;
            }
        } else {
            p = toInts(perm, "perm entry");
        }
        if (x instanceof Const) {
            vals.put(out(), foldBoth(v -> Fold.transpose(v[0], p), 0));
            return;
        }
        emit(new Transpose(p), x);
    }

    private void squeeze() throws OnnxFormatException {
        long[] axes = intsAttrOrInput("axes", 1, 13);
        Val x = required(0, "data");
        if (x instanceof Const) {
            vals.put(out(), foldBoth(v -> v[0].reshape(Fold.squeezeDims(v[0].dims, axes)), 0));
            return;
        }
        int[] ax;
        if (axes == null) {
            String xn = ((Comp) x).name();
            int[] da = probeDims(xn, 0);
            int[] db = probeDims(xn, 1);
            List<Integer> ones = new ArrayList<>();
            for (int i = 0; i < da.length; i++) {
                if (da[i] == 1 && db[i] == 1) {
                    ones.add(i);
                }
            }
            ax = ones.stream().mapToInt(Integer::intValue).toArray();
        } else {
            ax = toInts(axes, "axis");
        }
        emit(new Squeeze(ax), x);
    }

    private void unsqueeze() throws OnnxFormatException {
        long[] axes = intsAttrOrInput("axes", 1, 13);
        if (axes == null) {
            throw nodeFail("axes are missing");
        }
        Val x = required(0, "data");
        if (x instanceof Const) {
            vals.put(out(), foldBoth(v -> v[0].reshape(Fold.unsqueezeDims(v[0].dims, axes)), 0));
            return;
        }
        emit(new Unsqueeze(toInts(axes, "axis")), x);
    }

    private void concat() throws OnnxFormatException {
        AttributeProto a = attr("axis");
        if (a == null) {
            throw nodeFail("attribute 'axis' is missing");
        }
        int axis = toInt(attrInt("axis", 0), "axis");
        int count = n.getInputCount();
        if (count == 0) {
            throw nodeFail("has no inputs");
        }
        boolean allConst = true;
        boolean anyConst = false;
        for (int i = 0; i < count; i++) {
            Val v = required(i, "input");
            allConst &= v instanceof Const;
            anyConst |= v instanceof Const;
        }
        if (allConst) {
            int[] idx = new int[count];
            for (int i = 0; i < count; i++) {
                idx[i] = i;
            }
            vals.put(out(), foldBoth(v -> Fold.concat(Arrays.asList(v), axis), idx));
            return;
        }
        if (anyConst) {
            throw nodeFail("joining constant and computed tensors is not supported");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(((Comp) in(i)).name());
        }
        addNode(nodeName, new Concat(axis), names, out());
    }

    private void batchNorm() throws OnnxFormatException {
        onlyFirstOutput();
        if (attrInt("training_mode", 0) != 0) {
            throw nodeFail("training_mode = 1 is not supported (inference form only)");
        }
        Arr scale = floatConstant(1, "scale", 1);
        Arr bias = floatConstant(2, "B", 1);
        Arr mean = floatConstant(3, "mean", 1);
        Arr var = floatConstant(4, "var", 1);
        float eps = attrFloat("epsilon", 1e-5f);
        emit(new BatchNorm(Variable.parameter(scale.tensor()), Variable.parameter(bias.tensor()), mean.tensor(),
                var.tensor(), eps, torchMomentum(attrFloat("momentum", 0.9f))), required(0, "X"));
    }

    /** ONNX momentum weighs the running statistic, PyTorch's (lrp4j's) the new batch statistic. */
    private static float torchMomentum(float onnxMomentum) {
        return onnxMomentum == 0.9f || !(onnxMomentum >= 0f && onnxMomentum <= 1f) ? 0.1f : 1f - onnxMomentum;
    }

    private void lrn() throws OnnxFormatException {
        long size = attrInt("size", -1);
        if (size < 1) {
            throw nodeFail("attribute 'size' is missing or not positive");
        }
        emit(new LocalResponseNorm(toInt(size, "size"), attrFloat("alpha", 1e-4f), attrFloat("beta", 0.75f),
                attrFloat("bias", 1f)), required(0, "X"));
    }

    private void dropout() throws OnnxFormatException {
        onlyFirstOutput();
        float ratio;
        if (opset < 12) {
            ratio = attrFloat("ratio", 0.5f);
        } else {
            Arr r = optionalConstant(1, "ratio");
            ratio = r == null ? 0.5f : (float) r.get(0);
            Arr tm = optionalConstant(2, "training_mode");
            if (tm != null && tm.size() > 0 && tm.get(0) != 0) {
                throw nodeFail("training_mode = true is not supported (inference only)");
            }
        }
        Val x = required(0, "data");
        if (x instanceof Const c) {
            vals.put(out(), c);
            return;
        }
        emit(new Dropout(ratio), x);
    }

    private void identity() throws OnnxFormatException {
        Val x = required(0, "input");
        if (x instanceof Const c) {
            vals.put(out(), c);
        } else {
            emit(new Identity(), x);
        }
    }

    private void constantNode() throws OnnxFormatException {
        if (n.getAttributeCount() != 1) {
            throw nodeFail("must have exactly one attribute but has " + n.getAttributeCount());
        }
        AttributeProto a = n.getAttribute(0);
        Arr v = switch (a.getName()) {
            case "value" -> {
                if (!a.hasT()) {
                    throw nodeFail("attribute 'value' holds no tensor");
                }
                yield decode(a.getT());
            }
            case "value_float" -> Arr.floats(new float[] {a.getF()});
            case "value_floats" -> {
                float[] f = new float[a.getFloatsCount()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = a.getFloats(i);
                }
                yield Arr.floats(f, f.length);
            }
            case "value_int" -> Arr.scalarLong(a.getI());
            case "value_ints" -> {
                long[] l = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                yield Arr.longs(l, l.length);
            }
            default -> throw nodeFail("attribute '" + a.getName() + "' is not supported (sparse and string constants are"
                    + " not)");
        };
        vals.put(out(), Const.of(v));
    }

    private void pad() throws OnnxFormatException {
        String mode = attrString("mode", "constant");
        if (!mode.equals("constant")) {
            throw nodeFail("mode '" + mode + "' is not supported (only constant zero padding)");
        }
        long[] pads;
        double value;
        long[] axes = null;
        if (opset < 11) {
            pads = attrInts("pads", null);
            value = attrFloat("value", 0f);
        } else {
            pads = constant(1, "pads").longs();
            Arr cv = optionalConstant(2, "constant_value");
            value = cv == null || cv.size() == 0 ? 0 : cv.get(0);
            Arr ax = opset >= 18 ? optionalConstant(3, "axes") : null;
            axes = ax == null ? null : ax.longs();
        }
        if (pads == null) {
            throw nodeFail("pads are missing");
        }
        if (value != 0) {
            throw nodeFail("padding with the value " + value + " is not supported (only zero)");
        }
        for (long p : pads) {
            if (p < 0) {
                throw nodeFail("negative pads (cropping) are not supported: " + Arrays.toString(pads));
            }
        }
        Val x = required(0, "data");
        if (axes != null) {
            int r = x instanceof Const c ? c.a().rank() : probeDims(((Comp) x).name(), 0).length;
            if (pads.length != 2 * axes.length) {
                throw nodeFail("pads must have twice as many entries as axes");
            }
            long[] full = new long[2 * r];
            for (int i = 0; i < axes.length; i++) {
                int a = Fold.normAxis(toInt(axes[i], "axis"), r, "Pad");
                full[a] = pads[i];
                full[a + r] = pads[i + axes.length];
            }
            pads = full;
        }
        emit(new Pad(toInts(pads, "pad")), x);
    }

    private void shape() throws OnnxFormatException {
        Val x = required(0, "data");
        int[][] dims = new int[2][];
        if (x instanceof Const c) {
            dims[0] = c.a().dims;
            dims[1] = c.b().dims;
        } else {
            dims[0] = probeDims(((Comp) x).name(), 0);
            dims[1] = probeDims(((Comp) x).name(), 1);
        }
        Arr[] r = new Arr[2];
        for (int k = 0; k < 2; k++) {
            int rank = dims[k].length;
            int start = toInt(attrInt("start", 0), "start");
            int end = attr("end") == null ? rank : toInt(attrInt("end", rank), "end");
            start = Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
            end = Math.max(start, Math.min(rank, end < 0 ? end + rank : end));
            long[] v = new long[end - start];
            for (int i = start; i < end; i++) {
                v[i - start] = dims[k][i];
            }
            r[k] = Arr.longs(v, v.length);
        }
        vals.put(out(), new Const(r[0], r[1].sameAs(r[0]) ? r[0] : r[1]));
    }

    private void size() throws OnnxFormatException {
        Val x = required(0, "data");
        long[] s = new long[2];
        for (int k = 0; k < 2; k++) {
            int[] d = x instanceof Const c ? (k == 0 ? c.a() : c.b()).dims : probeDims(((Comp) x).name(), k);
            s[k] = Arr.size(d);
        }
        Arr a = Arr.scalarLong(s[0]);
        vals.put(out(), new Const(a, s[0] == s[1] ? a : Arr.scalarLong(s[1])));
    }

    private void gather() throws OnnxFormatException {
        int axis = toInt(attrInt("axis", 0), "axis");
        vals.put(out(), foldBoth(v -> Fold.gather(v[0], v[1], axis), 0, 1));
    }

    private void cast() throws OnnxFormatException {
        int to = toInt(attrInt("to", -1), "to");
        Val x = required(0, "input");
        if (x instanceof Comp) {
            if (to != TensorProto.DataType.FLOAT_VALUE) {
                throw nodeFail("casting a computed tensor to " + Protos.typeName(to) + " is not supported (only FLOAT)");
            }
            emit(new Identity(), x);
            return;
        }
        vals.put(out(), foldBoth(v -> Fold.cast(v[0], to), 0));
    }

    private void slice() throws OnnxFormatException {
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (opset < 10) {
            starts = attrInts("starts", null);
            ends = attrInts("ends", null);
            axes = attrInts("axes", null);
        } else {
            starts = constant(1, "starts").longs();
            ends = constant(2, "ends").longs();
            Arr ax = optionalConstant(3, "axes");
            Arr sp = optionalConstant(4, "steps");
            axes = ax == null ? null : ax.longs();
            steps = sp == null ? null : sp.longs();
        }
        if (starts == null || ends == null) {
            throw nodeFail("starts and ends are missing");
        }
        long[] st = starts;
        long[] en = ends;
        long[] ax = axes;
        long[] sp = steps;
        vals.put(out(), foldBoth(v -> Fold.slice(v[0], st, en, ax, sp), 0));
    }

    private void constantOfShape() throws OnnxFormatException {
        AttributeProto a = attr("value");
        Arr value = a == null || !a.hasT() ? Arr.floats(new float[] {0f}, 1) : decode(a.getT());
        if (value.size() != 1) {
            throw nodeFail("value must hold one element");
        }
        vals.put(out(), foldBoth(v -> {
            int[] d = Fold.checkedDims(v[0].longs(), "ConstantOfShape");
            int cnt = (int) Arr.size(d);
            if (value.isFloat()) {
                float[] f = new float[cnt];
                Arrays.fill(f, value.f[0]);
                return Arr.floats(f, d);
            }
            long[] l = new long[cnt];
            Arrays.fill(l, value.l[0]);
            return Arr.longs(l, d);
        }, 0));
    }

}
