package org.lrp4j.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.graph.Trace;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.onnx.proto.Onnx.GraphProto;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.NodeProto;
import org.lrp4j.onnx.proto.Onnx.OperatorSetIdProto;
import org.lrp4j.onnx.proto.Onnx.StringStringEntryProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.onnx.proto.Onnx.ValueInfoProto;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * Writes an lrp4j {@link Model} as an ONNX file (opset {@value #OPSET}, IR version {@value #IR_VERSION}, producer
 * "lrp4j") that ONNX Runtime, PyTorch or any other ONNX tool can run, and that {@link OnnxImporter} reads back to
 * the same model.
 *
 * <p>Each lrp4j node becomes one ONNX node with the same name, reading and writing the same tensor names: Linear
 * is Gemm (transB = 1), Conv2d is Conv, BatchNorm is BatchNormalization, LocalResponseNorm is LRN, Dropout is
 * Dropout (inference: the identity), Binary is Add/Sub/Mul/Div with its constant as an initializer, and so on.
 * Parameters and buffers are float32 initializers named {@code <node>.<parameter>} (e.g. {@code conv1.weight},
 * {@code bn1.running_var}) in raw_data. Graph inputs and outputs carry a symbolic batch dimension
 * ({@code dim_param "batch"}) followed by the per-sample shape. The one exception to one node per node: an average
 * pooling in ceil mode that counts padding, whose last windows run past the padded input, becomes a Pad node
 * ({@code <node>/pad}) and an AveragePool, because ONNX Runtime and PyTorch divide those windows differently.
 *
 * <p>A node that cannot be written as ONNX raises an {@link IllegalArgumentException} naming the node.
 */
public final class OnnxExporter {
    private OnnxExporter() {
    }

    /** The ONNX opset of exported models. */
    public static final int OPSET = 13;
    /** The IR version of exported models (the one that goes with opset 13). */
    public static final int IR_VERSION = 7;
    public static final String PRODUCER = "lrp4j";
    public static final String PRODUCER_VERSION = "0.1.0";

    /** Writes {@code model} to {@code file} as ONNX. */
    public static void save(Model model, Path file) throws IOException {
        save(model, file, Map.of());
    }

    /**
     * Writes {@code model} to {@code file} as ONNX with the given metadata_props (e.g. class names, see
     * {@link OnnxModelInfo#CLASS_NAMES}). The file is written to a temporary file beside it first, then moved.
     */
    public static void save(Model model, Path file, Map<String, String> metadata) throws IOException {
        byte[] bytes = toBytes(model, metadata);
        Path abs = file.toAbsolutePath();
        Path parent = abs.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = abs.resolveSibling(abs.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        try {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The ONNX file of {@code model} as bytes. */
    public static byte[] toBytes(Model model) {
        return toBytes(model, Map.of());
    }

    /** The ONNX file of {@code model} as bytes, with metadata_props. */
    public static byte[] toBytes(Model model, Map<String, String> metadata) {
        return toProto(model, metadata).toByteArray();
    }

    /** The ONNX model message of {@code model}. */
    public static ModelProto toProto(Model model, Map<String, String> metadata) {
        return new Export(model).run(metadata);
    }

    /** One export. */
    static final class Export {
        private final Model model;
        private final GraphProto.Builder g = GraphProto.newBuilder();
        private final Set<String> used = new HashSet<>();
        private Map<String, Shape> shapes;       // tensor shapes for batch 1, or null if unknown
        private Map<String, Shape> shapes2;      // the same for batch 2

        Export(Model model) {
            this.model = model;
        }

        ModelProto run(Map<String, String> metadata) {
            ModelProto.Builder mp = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName(PRODUCER)
                    .setProducerVersion(PRODUCER_VERSION)
                    .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(OPSET));
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(metadata).entrySet()) {
                mp.addMetadataProps(StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
            }
            g.setName(model.name());
            for (Model.Input in : model.inputs()) {
                used.add(in.name());
            }
            for (Node n : model.nodes()) {
                used.add(n.output());
                used.add(n.name());
            }
            probeShapes();
            for (Model.Input in : model.inputs()) {
                g.addInput(inputInfo(in));
            }
            for (Node n : model.nodes()) {
                try {
                    convert(n);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("cannot export node '" + n.name() + "' (" + n.opType()
                            + ") to ONNX: " + e.getMessage(), e);
                }
            }
            for (String out : model.outputs()) {
                g.addOutput(outputInfo(out));
            }
            return mp.setGraph(g).build();
        }

        // ------------------------------------------------------------ shapes

        /** Runs the model once on zeros (batch 1 and 2) when every input shape is known, to learn tensor shapes. */
        private void probeShapes() {
            for (Model.Input in : model.inputs()) {
                Shape s = in.sampleShape();
                if (s == null) {
                    return;
                }
                for (int d : s.toArray()) {
                    if (d < 0) {
                        return;
                    }
                }
            }
            try {
                shapes = probe(1);
                shapes2 = probe(2);
            } catch (RuntimeException e) {
                shapes = null;
                shapes2 = null;
            }
        }

        private Map<String, Shape> probe(int batch) {
            Map<String, Variable> feeds = new LinkedHashMap<>();
            for (Model.Input in : model.inputs()) {
                int[] s = in.sampleShape().toArray();
                int[] d = new int[s.length + 1];
                d[0] = batch;
                System.arraycopy(s, 0, d, 1, s.length);
                feeds.put(in.name(), Variable.constant(Tensor.zeros(d)));
            }
            Map<String, Shape> r = new HashMap<>();
            try (GradMode.Scope sc = GradMode.disabled()) {
                Trace t = model.trace(feeds, ForwardContext.inference());
                t.values().forEach((k, v) -> r.put(k, v.shape()));
            }
            return r;
        }

        private static ValueInfoProto inputInfo(Model.Input in) {
            Shape s = in.sampleShape();
            if (s == null) {
                return Protos.tensorValue(in.name(), TensorProto.DataType.FLOAT_VALUE, (Object[]) null);
            }
            int[] d = s.toArray();
            Object[] dims = new Object[d.length + 1];
            dims[0] = "batch";
            for (int i = 0; i < d.length; i++) {
                dims[i + 1] = d[i] < 0 ? in.name() + "_dim" + (i + 1) : (Object) d[i];
            }
            return Protos.tensorValue(in.name(), TensorProto.DataType.FLOAT_VALUE, dims);
        }

        /** Output shape: dimensions that change with the batch size are "batch", the others fixed. */
        private ValueInfoProto outputInfo(String name) {
            int[] a = shapes == null ? null : dims(shapes.get(name));
            int[] b = shapes2 == null ? null : dims(shapes2.get(name));
            if (a == null || b == null || a.length != b.length) {
                return Protos.tensorValue(name, TensorProto.DataType.FLOAT_VALUE, (Object[]) null);
            }
            Object[] dims = new Object[a.length];
            for (int i = 0; i < a.length; i++) {
                dims[i] = a[i] == b[i] ? (Object) a[i] : a[i] == 1 && b[i] == 2 ? "batch" : name + "_dim" + i;
            }
            return Protos.tensorValue(name, TensorProto.DataType.FLOAT_VALUE, dims);
        }

        private static int[] dims(Shape s) {
            return s == null ? null : s.toArray();
        }

        // ------------------------------------------------------------ what ExportNode uses

        /** {@code base}, or {@code base_<k>} if it is taken: a name no tensor, node or initializer has yet. */
        String fresh(String base) {
            String s = base;
            for (int k = 1; used.contains(s); k++) {
                s = base + "_" + k;
            }
            used.add(s);
            return s;
        }

        void initializer(TensorProto t) {
            g.addInitializer(t);
        }

        void node(String name, String op, List<String> inputs, String output, AttributeProto... attrs) {
            g.addNode(NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(output)
                    .addAllAttribute(List.of(attrs)));
        }

        Shape shape(String tensor) {
            return shapes == null ? null : shapes.get(tensor);
        }

        /** Writes the node with the first family that knows its layer. */
        private void convert(Node n) {
            ExportNode e = new ExportNode(n, this);
            for (OpFamily f : OpFamily.ALL) {
                if (f.write(e)) {
                    return;
                }
            }
            throw new IllegalArgumentException("lrp4j has no ONNX form for layer " + n.layer());
        }
    }
}
