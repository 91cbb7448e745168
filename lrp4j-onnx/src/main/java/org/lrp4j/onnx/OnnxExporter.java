package org.lrp4j.onnx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.graph.Trace;
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
import org.lrp4j.onnx.proto.Onnx.GraphProto;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.NodeProto;
import org.lrp4j.onnx.proto.Onnx.OperatorSetIdProto;
import org.lrp4j.onnx.proto.Onnx.StringStringEntryProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.onnx.proto.Onnx.ValueInfoProto;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Pool2dSpec;

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
    private static final class Export {
        private final Model model;
        private final GraphProto.Builder g = GraphProto.newBuilder();
        private final Set<String> used = new HashSet<>();
        private Map<String, Shape> shapes;       // tensor shapes for batch 1, or null if unknown
        private Map<String, Shape> shapes2;      // the same for batch 2
        private Node node;

        Export(Model model) {
            this.model = model;
        }

        ModelProto run(Map<String, String> metadata) {
            ModelProto.Builder mp = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName(PRODUCER)
                    .setProducerVersion(PRODUCER_VERSION).addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(OPSET));
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
                node = n;
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

        // ------------------------------------------------------------ helpers

        private String fresh(String base) {
            String s = base;
            for (int k = 1; used.contains(s); k++) {
                s = base + "_" + k;
            }
            used.add(s);
            return s;
        }

        private String floats(String param, Tensor t) {
            String name = fresh(node.name() + "." + param);
            long[] dims = Arrays.stream(t.dims()).asLongStream().toArray();
            g.addInitializer(Protos.floatTensor(name, t.toArray(), dims));
            return name;
        }

        private String scalar(String param, float v) {
            String name = fresh(node.name() + "." + param);
            g.addInitializer(Protos.floatTensor(name, new float[] {v}));
            return name;
        }

        private String longs(String param, long[] v) {
            String name = fresh(node.name() + "." + param);
            g.addInitializer(Protos.longTensor(name, v, v.length));
            return name;
        }

        private static long[] longsOf(int[] v) {
            return Arrays.stream(v).asLongStream().toArray();
        }

        private void emit(String op, List<String> inputs, AttributeProto... attrs) {
            emit(node.name(), op, inputs, node.output(), attrs);
        }

        private void emit(String name, String op, List<String> inputs, String output, AttributeProto... attrs) {
            g.addNode(NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(output)
                    .addAllAttribute(List.of(attrs)));
        }

        private List<String> withInputs(String... extra) {
            List<String> l = new ArrayList<>(node.inputs());
            l.addAll(List.of(extra));
            return l;
        }

        private static AttributeProto i(String name, long v) {
            return Protos.intAttr(name, v);
        }

        private static AttributeProto f(String name, float v) {
            return Protos.floatAttr(name, v);
        }

        private static AttributeProto is(String name, long... v) {
            return Protos.intsAttr(name, v);
        }

        // ------------------------------------------------------------ layers

        private void convert(Node n) {
            Layer layer = n.layer();
            List<String> x = node.inputs();
            if (layer instanceof Linear l) {
                List<String> ins = withInputs(floats("weight", l.weight().value()));
                if (l.bias() != null) {
                    ins.add(floats("bias", l.bias().value()));
                }
                emit("Gemm", ins, f("alpha", 1f), f("beta", 1f), i("transB", 1));
            } else if (layer instanceof Conv2d c) {
                var s = c.spec();
                List<String> ins = withInputs(floats("weight", c.weight().value()));
                if (c.bias() != null) {
                    ins.add(floats("bias", c.bias().value()));
                }
                int[] w = c.weight().value().dims();
                emit("Conv", ins, is("kernel_shape", w[2], w[3]),
                        is("pads", s.padTop(), s.padLeft(), s.padBottom(), s.padRight()),
                        is("strides", s.strideH(), s.strideW()), is("dilations", s.dilationH(), s.dilationW()),
                        i("group", s.groups()));
            } else if (layer instanceof ReLU) {
                emit("Relu", x);
            } else if (layer instanceof LeakyReLU r) {
                emit("LeakyRelu", x, f("alpha", r.slope()));
            } else if (layer instanceof Tanh) {
                emit("Tanh", x);
            } else if (layer instanceof Sigmoid) {
                emit("Sigmoid", x);
            } else if (layer instanceof Softmax s) {
                emit("Softmax", x, i("axis", s.axis()));
            } else if (layer instanceof MaxPool2d p) {
                emit("MaxPool", x, poolAttrs(p.spec(), false));
            } else if (layer instanceof AvgPool2d p) {
                avgPool(p.spec());
            } else if (layer instanceof GlobalAveragePool) {
                emit("GlobalAveragePool", x);
            } else if (layer instanceof Flatten fl) {
                emit("Flatten", x, i("axis", fl.axis()));
            } else if (layer instanceof Reshape r) {
                emit("Reshape", withInputs(longs("shape", longsOf(r.shape()))));
            } else if (layer instanceof Dropout d) {
                emit("Dropout", withInputs(scalar("ratio", d.p())));
            } else if (layer instanceof BatchNorm b) {
                emit("BatchNormalization", withInputs(floats("scale", b.scale().value()),
                        floats("bias", b.bias().value()), floats("running_mean", b.runningMean()),
                        floats("running_var", b.runningVar())), f("epsilon", b.epsilon()),
                        f("momentum", 1f - b.momentum()));
            } else if (layer instanceof LocalResponseNorm r) {
                emit("LRN", x, i("size", r.size()), f("alpha", r.alpha()), f("beta", r.beta()), f("bias", r.k()));
            } else if (layer instanceof Add) {
                emit("Add", x);
            } else if (layer instanceof Concat c) {
                emit("Concat", x, i("axis", c.axis()));
            } else if (layer instanceof Identity) {
                emit("Identity", x);
            } else if (layer instanceof Binary b) {
                if (b.constant() == null) {
                    emit(b.kind().opType(), x);
                } else {
                    String c = floats("constant", b.constant());
                    emit(b.kind().opType(), b.constantFirst() ? List.of(c, x.get(0)) : List.of(x.get(0), c));
                }
            } else if (layer instanceof Transpose t) {
                emit("Transpose", x, is("perm", longsOf(t.perm())));
            } else if (layer instanceof Clip c) {
                String lo = c.min() == Float.NEGATIVE_INFINITY ? "" : scalar("min", c.min());
                String hi = c.max() == Float.POSITIVE_INFINITY ? "" : scalar("max", c.max());
                List<String> ins = withInputs(lo, hi);
                while (ins.size() > 1 && ins.get(ins.size() - 1).isEmpty()) {
                    ins.remove(ins.size() - 1);
                }
                emit("Clip", ins);
            } else if (layer instanceof Pad p) {
                emit("Pad", withInputs(longs("pads", longsOf(p.pads()))), Protos.stringAttr("mode", "constant"));
            } else if (layer instanceof Squeeze s) {
                if (s.axes().length == 0) {
                    emit("Identity", x);    // ONNX Squeeze without axes would drop every axis of size 1
                } else {
                    emit("Squeeze", withInputs(longs("axes", longsOf(s.axes()))));
                }
            } else if (layer instanceof Unsqueeze u) {
                if (u.axes().length == 0) {
                    emit("Identity", x);
                } else {
                    emit("Unsqueeze", withInputs(longs("axes", longsOf(u.axes()))));
                }
            } else if (layer instanceof MatMul) {
                emit("MatMul", x);
            } else {
                throw new IllegalArgumentException("lrp4j has no ONNX form for layer " + layer);
            }
        }

        private static AttributeProto[] poolAttrs(Pool2dSpec s, boolean avg) {
            List<AttributeProto> a = new ArrayList<>(List.of(is("kernel_shape", s.kernelH(), s.kernelW()),
                    is("strides", s.strideH(), s.strideW()),
                    is("pads", s.padTop(), s.padLeft(), s.padBottom(), s.padRight()),
                    i("ceil_mode", s.ceilMode() ? 1 : 0)));
            if (avg) {
                a.add(i("count_include_pad", s.countIncludePad() ? 1 : 0));
            }
            return a.toArray(new AttributeProto[0]);
        }

        /**
         * lrp4j (like PyTorch) divides a ceil-mode window that runs past the padded input by the part of it inside
         * the padded input; ONNX Runtime divides it by the whole kernel. When that happens, the padding is made
         * explicit (a Pad node) and the pooling counts only the cells of the padded tensor, which is the same sum.
         */
        private void avgPool(Pool2dSpec s) {
            if (!(s.ceilMode() && s.countIncludePad())) {
                emit("AveragePool", node.inputs(), poolAttrs(s, true));
                return;
            }
            String x = node.inputs().get(0);
            if (shapes == null || !shapes.containsKey(x)) {
                throw new IllegalArgumentException("average pooling in ceil mode counting the padding needs the input"
                        + " size, but the model's input shape is not fully known");
            }
            Shape in = shapes.get(x);
            Shape out = s.outputShape(in);
            int ph = in.dim(2) + s.padTop() + s.padBottom();
            int pw = in.dim(3) + s.padLeft() + s.padRight();
            boolean overhang = (long) (out.dim(2) - 1) * s.strideH() + s.kernelH() > ph
                    || (long) (out.dim(3) - 1) * s.strideW() + s.kernelW() > pw;
            if (!overhang) {
                emit("AveragePool", node.inputs(), poolAttrs(s, true));
                return;
            }
            Shape padded = Shape.of(in.dim(0), in.dim(1), ph, pw);
            Pool2dSpec plain = new Pool2dSpec(s.kernelH(), s.kernelW(), s.strideH(), s.strideW(), 0, 0, 0, 0, false,
                    false);
            Pool2dSpec ceil = plain.withCeilMode(true);
            Pool2dSpec chosen = plain.outputShape(padded).equals(out) ? plain
                    : ceil.outputShape(padded).equals(out) ? ceil : null;
            if (chosen == null) {
                throw new IllegalArgumentException("its ceil-mode output size " + out + " cannot be expressed in ONNX");
            }
            String padName = fresh(node.name() + "/pad");
            String padOut = fresh(node.output() + "/pad");
            emit(padName, "Pad", List.of(x, longs("pads", new long[] {0, 0, s.padTop(), s.padLeft(), 0, 0,
                s.padBottom(), s.padRight()})), padOut, Protos.stringAttr("mode", "constant"));
            emit(node.name(), "AveragePool", List.of(padOut), node.output(), poolAttrs(chosen, true));
        }
    }
}
