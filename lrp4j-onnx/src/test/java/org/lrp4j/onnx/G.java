package org.lrp4j.onnx;

import java.util.List;

import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.onnx.proto.Onnx.GraphProto;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.NodeProto;
import org.lrp4j.onnx.proto.Onnx.OperatorSetIdProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.tensor.Tensor;

/** Builds small ONNX models with the generated protobuf builders, for tests; tests may change both builders. */
final class G {
    final ModelProto.Builder model = ModelProto.newBuilder();
    final GraphProto.Builder graph = GraphProto.newBuilder();
    /** Whether {@link #bytes()} includes the graph. */
    boolean withGraph = true;
    private int counter;

    G(int opset) {
        model.setIrVersion(opset >= 21 ? 10 : opset >= 15 ? 8 : 7).setProducerName("lrp4j-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset));
        graph.setName("test");
    }

    /** A float input with a symbolic batch and the given per-sample dims. */
    G input(String name, int... sampleDims) {
        Object[] d = new Object[sampleDims.length + 1];
        d[0] = "batch";
        for (int i = 0; i < sampleDims.length; i++) {
            d[i + 1] = sampleDims[i];
        }
        graph.addInput(Protos.tensorValue(name, TensorProto.DataType.FLOAT_VALUE, d));
        return this;
    }

    G output(String name) {
        graph.addOutput(Protos.tensorValue(name, TensorProto.DataType.FLOAT_VALUE, (Object[]) null));
        return this;
    }

    String init(String name, Tensor t) {
        long[] dims = java.util.Arrays.stream(t.dims()).asLongStream().toArray();
        graph.addInitializer(Protos.floatTensor(name, t.toArray(), dims));
        return name;
    }

    String ints(String name, long... v) {
        graph.addInitializer(Protos.longTensor(name, v, v.length));
        return name;
    }

    /** Adds a node with one output named after the node; returns the output name. */
    String node(String op, List<String> inputs, AttributeProto... attrs) {
        String name = op.toLowerCase(java.util.Locale.ROOT) + "_" + counter++;
        return node(name, op, inputs, attrs);
    }

    String node(String name, String op, List<String> inputs, AttributeProto... attrs) {
        graph.addNode(NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(name + "_out")
                .addAllAttribute(List.of(attrs)));
        return name + "_out";
    }

    ModelProto build() {
        ModelProto.Builder m = model.clone();
        return (withGraph ? m.setGraph(graph) : m.clearGraph()).build();
    }

    byte[] bytes() {
        return build().toByteArray();
    }

    static AttributeProto i(String name, long v) {
        return Protos.intAttr(name, v);
    }

    static AttributeProto f(String name, float v) {
        return Protos.floatAttr(name, v);
    }

    static AttributeProto is(String name, long... v) {
        return Protos.intsAttr(name, v);
    }

    static AttributeProto s(String name, String v) {
        return Protos.stringAttr(name, v);
    }
}
