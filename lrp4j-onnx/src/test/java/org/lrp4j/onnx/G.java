package org.lrp4j.onnx;

import java.util.List;

import org.lrp4j.onnx.proto.Onnx;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.onnx.proto.Onnx.GraphProto;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.NodeProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.onnx.proto.Onnx.ValueInfoProto;
import org.lrp4j.tensor.Tensor;

/** Builds small ONNX models with lrp4j's own protobuf writer, for tests. */
final class G {
    final ModelProto model = new ModelProto();
    final GraphProto graph = new GraphProto();
    private int counter;

    G(int opset) {
        model.irVersion = opset >= 21 ? 10 : opset >= 15 ? 8 : 7;
        model.producerName = "lrp4j-test";
        model.opsetImport.add(new Onnx.OperatorSetIdProto("", opset));
        model.graph = graph;
        graph.name = "test";
    }

    /** A float input with a symbolic batch and the given per-sample dims. */
    G input(String name, int... sampleDims) {
        Object[] d = new Object[sampleDims.length + 1];
        d[0] = "batch";
        for (int i = 0; i < sampleDims.length; i++) {
            d[i + 1] = sampleDims[i];
        }
        graph.input.add(ValueInfoProto.tensor(name, Onnx.FLOAT, d));
        return this;
    }

    G output(String name) {
        graph.output.add(ValueInfoProto.tensor(name, Onnx.FLOAT));
        graph.output.get(graph.output.size() - 1).hasShape = false;
        return this;
    }

    String init(String name, Tensor t) {
        long[] dims = java.util.Arrays.stream(t.dims()).asLongStream().toArray();
        graph.initializer.add(TensorProto.ofFloats(name, t.toArray(), dims));
        return name;
    }

    String ints(String name, long... v) {
        graph.initializer.add(TensorProto.ofLongs(name, v, v.length));
        return name;
    }

    /** Adds a node with one output named after the node; returns the output name. */
    String node(String op, List<String> inputs, AttributeProto... attrs) {
        String name = op.toLowerCase(java.util.Locale.ROOT) + "_" + counter++;
        return node(name, op, inputs, attrs);
    }

    String node(String name, String op, List<String> inputs, AttributeProto... attrs) {
        NodeProto n = new NodeProto();
        n.name = name;
        n.opType = op;
        n.input.addAll(inputs);
        n.output.add(name + "_out");
        n.attribute.addAll(List.of(attrs));
        graph.node.add(n);
        return name + "_out";
    }

    byte[] bytes() {
        return model.toByteArray();
    }

    static AttributeProto i(String name, long v) {
        return AttributeProto.ofInt(name, v);
    }

    static AttributeProto f(String name, float v) {
        return AttributeProto.ofFloat(name, v);
    }

    static AttributeProto is(String name, long... v) {
        return AttributeProto.ofInts(name, v);
    }

    static AttributeProto s(String name, String v) {
        return AttributeProto.ofString(name, v);
    }
}
