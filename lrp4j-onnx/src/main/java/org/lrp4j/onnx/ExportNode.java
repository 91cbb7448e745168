package org.lrp4j.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.lrp4j.graph.Node;
import org.lrp4j.layers.Layer;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * One lrp4j node being exported, as the writers of {@link OpFamily} see it: its layer and tensor names, and the ways
 * to add ONNX nodes and initializers (named {@code <node>.<parameter>}) for it.
 *
 * @param node   the lrp4j node
 * @param export the export it belongs to
 */
record ExportNode(Node node, OnnxExporter.Export export) {

    Layer layer() {
        return node.layer();
    }

    /** The node's input tensor names. */
    List<String> inputs() {
        return node.inputs();
    }

    /** The node's inputs followed by {@code extra}. */
    List<String> withInputs(String... extra) {
        List<String> l = new ArrayList<>(node.inputs());
        l.addAll(List.of(extra));
        return l;
    }

    /** The shape of a tensor for batch 1, or null when the model's input shapes are not fully known. */
    Shape shape(String tensor) {
        return export.shape(tensor);
    }

    /** A float32 initializer {@code <node>.<param>}; returns its name. */
    String floats(String param, Tensor t) {
        String name = export.fresh(node.name() + "." + param);
        export.initializer(Protos.floatTensor(name, t.toArray(), Arrays.stream(t.dims()).asLongStream().toArray()));
        return name;
    }

    /** A float32 scalar initializer. */
    String scalar(String param, float v) {
        String name = export.fresh(node.name() + "." + param);
        export.initializer(Protos.floatTensor(name, new float[] {v}));
        return name;
    }

    /** An int64 vector initializer. */
    String longs(String param, long[] v) {
        String name = export.fresh(node.name() + "." + param);
        export.initializer(Protos.longTensor(name, v, v.length));
        return name;
    }

    static long[] longsOf(int[] v) {
        return Arrays.stream(v).asLongStream().toArray();
    }

    /** The ONNX node of this node: same name, {@code inputs}, same output. */
    void emit(String op, List<String> inputs, AttributeProto... attrs) {
        export.node(node.name(), op, inputs, node.output(), attrs);
    }

    /** A helper ONNX node {@code <node>/<suffix>} before the node's own; returns the tensor it writes. */
    String step(String suffix, String op, List<String> inputs, AttributeProto... attrs) {
        String name = export.fresh(node.name() + "/" + suffix);
        String out = export.fresh(node.output() + "/" + suffix);
        export.node(name, op, inputs, out, attrs);
        return out;
    }
}
