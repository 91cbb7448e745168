package org.lrp4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.lrp4j.onnx.G.f;
import static org.lrp4j.onnx.G.i;
import static org.lrp4j.onnx.G.is;
import static org.lrp4j.onnx.G.s;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.Node;
import org.lrp4j.tensor.Tensor;

/** Hand-built models covering each supported operator and opset variant, checked against ONNX Runtime. */
class OperatorsVsOrtTest {
    private final SplittableRandom rng = new SplittableRandom(1234);

    private Tensor w(int... dims) {
        return Tensor.randn(rng, 0.5f, dims);
    }

    /** Imports, runs lrp4j and ORT on random inputs of each batch size, returns the model. */
    private Model check(String what, G g, int[] sample, int... batches) throws Exception {
        byte[] bytes = g.bytes();
        Model m = OnnxImporter.load(bytes, what);
        for (int b : batches) {
            int[] dims = new int[sample.length + 1];
            dims[0] = b;
            System.arraycopy(sample, 0, dims, 1, sample.length);
            Tensor x = Tensor.randn(rng, 1f, dims);
            Tensor ours = m.predict(x);
            Tensor ort = Ort.run(bytes, "x", x);
            double rel = Ort.relDiff(ours, ort);
            System.err.printf("%s batch %d: max rel diff vs ORT %.2e%n", what, b, rel);
            if (rel > 1e-4 && System.getenv("BISECT") != null) {
                for (org.lrp4j.onnx.proto.Onnx.NodeProto np : g.graph.getNodeList()) {
                    var saved = new java.util.ArrayList<>(g.graph.getOutputList());
                    g.graph.clearOutput();
                    g.output(np.getOutput(0));
                    byte[] bb = g.bytes();
                    g.graph.clearOutput();
                    g.graph.addAllOutput(saved);
                    try {
                        double rr = Ort.relDiff(OnnxImporter.load(bb, "b").predict(x), Ort.run(bb, "x", x));
                        System.err.printf("  %s (%s): %.2e%n", np.getName(), np.getOpType(), rr);
                    } catch (Exception e) {
                        System.err.println("  " + np.getName() + ": " + e);
                    }
                }
            }
            assertThat(rel).as("%s batch %d", what, b).isLessThan(1e-4);
        }
        return m;
    }

    @Test
    void pytorchStyleDynamicReshapeIsFoldedAndWorksForEveryBatchSize() throws Exception {
        G g = new G(13).input("x", 3, 8, 8);
        String c = g.node("/conv/Conv", "Conv", List.of("x", g.init("cw", w(4, 3, 3, 3)), g.init("cb", w(4))),
                is("pads", 1, 1, 1, 1));
        String r = g.node("/relu/Relu", "Relu", List.of(c));
        String sh = g.node("/Shape", "Shape", List.of(r));
        String ga = g.node("/Gather", "Gather", List.of(sh, g.graph.getInitializerCount() == 0 ? null : addScalar(g, "zero", 0)),
                i("axis", 0));
        String un = g.node("/Unsqueeze", "Unsqueeze", List.of(ga, g.ints("axes0", 0)));
        String cat = g.node("/Concat", "Concat", List.of(un, g.ints("minus1", -1)), i("axis", 0));
        String rs = g.node("/Reshape", "Reshape", List.of(r, cat));
        String fc = g.node("/fc/Gemm", "Gemm", List.of(rs, g.init("fw", w(256, 5)), g.init("fb", w(5))),
                f("alpha", 0.5f), f("beta", 2f));
        String sm = g.node("/Softmax", "Softmax", List.of(fc), i("axis", 1));
        g.output(sm);
        Model m = check("dynamic reshape", g, new int[] {3, 8, 8}, 1, 2, 5);
        assertThat(m.nodes().stream().map(Node::name).toList())
                .containsExactly("/conv/Conv", "/relu/Relu", "/Reshape", "/fc/Gemm", "/Softmax");
        assertThat(((org.lrp4j.layers.Reshape) m.node("/Reshape").layer()).shape()).containsExactly(0, -1);
    }

    private static org.lrp4j.onnx.proto.Onnx.StringStringEntryProto entry(String key, String value) {
        return org.lrp4j.onnx.proto.Onnx.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static String addScalar(G g, String name, long v) {
        g.graph.addInitializer(Protos.longTensor(name, new long[] {v}));
        return name;
    }

    @Test
    void elementwiseShapeAndActivationOperatorsOpset13() throws Exception {
        G g = new G(13).input("x", 4, 6, 6);
        String a = g.node("Sub", List.of("x", g.init("mean", w(4, 1, 1))));
        a = g.node("Div", List.of(a, g.init("std", Tensor.rand(rng, 0.5f, 1.5f, 4, 1, 1))));
        a = g.node("Mul", List.of(g.init("scale", w(1, 4, 1, 1)), a));
        String b = g.node("Div", List.of(g.init("one", Tensor.full(2f, 1)), g.node("Add",
                List.of(g.node("Sigmoid", List.of(a)), g.init("half", Tensor.full(0.5f, 1))))));
        a = g.node("Mul", List.of(a, b));
        a = g.node("Sub", List.of(a, g.node("Tanh", List.of(a))));
        a = g.node("LeakyRelu", List.of(a), f("alpha", 0.2f));
        a = g.node("Clip", List.of(a, g.init("lo", Tensor.scalar(-0.5f)), g.init("hi", Tensor.scalar(6f))));
        a = g.node("Pad", List.of(a, g.ints("pads", 0, 0, 1, 0, 0, 0, 2, 3)));
        a = g.node("Conv", List.of(a, g.init("w1", w(6, 2, 3, 3))), i("group", 2), is("dilations", 2, 1),
                is("pads", 1, 0, 2, 1), is("strides", 1, 2));
        String q = g.node("AveragePool", List.of(a), is("kernel_shape", 3, 2), is("strides", 2, 2),
                is("pads", 1, 1, 1, 0), i("count_include_pad", 1), i("ceil_mode", 1));
        String q2 = g.node("AveragePool", List.of(a), is("kernel_shape", 2, 2), is("strides", 2, 2),
                is("pads", 1, 1, 1, 1));
        String cat = g.node("Concat", List.of(q, q2), i("axis", 1));
        String bn = g.node("BatchNormalization", List.of(cat, g.init("bs", w(12)), g.init("bb", w(12)),
                g.init("bm", w(12)), g.init("bv", Tensor.rand(rng, 0.5f, 2f, 12))), f("epsilon", 1e-3f));
        String lrn = g.node("LRN", List.of(g.node("Relu", List.of(bn))), i("size", 3), f("alpha", 0.1f),
                f("beta", 0.6f), f("bias", 2f));
        String p = g.node("MaxPool", List.of(lrn), is("kernel_shape", 3, 3), is("strides", 1, 1), s("auto_pad",
                "SAME_UPPER"));
        String sc = g.node("Conv", List.of(p, g.init("w2", w(5, 12, 3, 3))), s("auto_pad", "SAME_LOWER"),
                is("strides", 2, 2));
        String t = g.node("Transpose", List.of(sc), is("perm", 0, 2, 3, 1));
        String gap = g.node("GlobalAveragePool", List.of(g.node("Transpose", List.of(t), is("perm", 0, 3, 1, 2))));
        String sq = g.node("Squeeze", List.of(gap, g.ints("sqa", 2, 3)));
        String us = g.node("Unsqueeze", List.of(sq, g.ints("usa", -1)));
        String fl = g.node("Flatten", List.of(g.node("Identity", List.of(us))), i("axis", 1));
        String dr = g.node("Dropout", List.of(fl, g.init("ratio", Tensor.scalar(0.3f))));
        String mm = g.node("MatMul", List.of(dr, g.init("mw", w(5, 7))));
        mm = g.node("Add", List.of(mm, g.init("mb", w(7))));
        String gm = g.node("Gemm", List.of(mm, g.init("gw", w(4, 7)), g.init("gc", w(1, 4))), i("transB", 1),
                f("alpha", 1.5f));
        g.output(g.node("Softmax", List.of(gm), i("axis", -1)));
        check("operators opset 13", g, new int[] {4, 6, 6}, 1, 3);
    }

    @Test
    void legacyOpsetAttributesOpset9And11() throws Exception {
        G g = new G(9).input("x", 3, 5, 5);
        String a = g.node("Clip", List.of("x"), f("min", -0.3f), f("max", 0.7f));
        a = g.node("Pad", List.of(a), is("pads", 0, 0, 1, 2, 0, 0, 2, 1), s("mode", "constant"));
        a = g.node("Unsqueeze", List.of(a), is("axes", 2));
        a = g.node("Squeeze", List.of(a), is("axes", 2));
        a = g.node("Dropout", List.of(a), f("ratio", 0.25f));
        a = g.node("MaxPool", List.of(a), is("kernel_shape", 2, 2), is("strides", 2, 2));
        g.output(g.node("Softmax", List.of(a), i("axis", 1)));   // opset < 13: softmax over C*H*W
        check("opset 9", g, new int[] {3, 5, 5}, 1, 2);

        G h = new G(11).input("x", 6);
        String c = h.node("Clip", List.of("x", h.init("lo", Tensor.scalar(0f)), ""));
        c = h.node("Gemm", List.of(c, h.init("w", w(6, 4)), h.init("b", w(4))), f("beta", 0.5f));
        String d = h.node("MatMul", List.of(c, h.node("Transpose", List.of(c))));
        h.output(h.node("Softmax", List.of(d)));
        check("opset 11", h, new int[] {6}, 3);
    }

    @Test
    void weightsFromTypedFieldsAndExternalFileEqualRawData(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws Exception {
        Tensor wt = w(3, 4);
        G g = new G(13).input("x", 4);
        String y = g.node("fc", "Gemm", List.of("x", g.init("w", wt)), i("transB", 1));
        g.output(y);
        Tensor x = Tensor.randn(rng, 1f, 2, 4);
        Tensor ref = OnnxImporter.load(g.bytes(), "raw").predict(x);
        org.lrp4j.onnx.proto.Onnx.TensorProto.Builder t = g.graph.getInitializerBuilder(0);
        // float_data
        t.clearRawData();
        for (float v : wt.toArray()) {
            t.addFloatData(v);
        }
        assertThat(OnnxImporter.load(g.bytes(), "typed").predict(x).maxAbsDiff(ref)).isZero();
        // double_data
        t.clearFloatData();
        t.setDataType(org.lrp4j.onnx.proto.Onnx.TensorProto.DataType.DOUBLE_VALUE);
        for (int k = 0; k < 12; k++) {
            t.addDoubleData(wt.getFlat(k));
        }
        assertThat(OnnxImporter.load(g.bytes(), "double").predict(x).maxAbsDiff(ref)).isZero();
        // external data beside the model
        t.clearDoubleData();
        t.setDataType(org.lrp4j.onnx.proto.Onnx.TensorProto.DataType.FLOAT_VALUE);
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(100 + 48).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.position(100);
        for (float v : wt.toArray()) {
            bb.putFloat(v);
        }
        java.nio.file.Files.write(tmp.resolve("weights.bin"), bb.array());
        t.setDataLocation(org.lrp4j.onnx.proto.Onnx.TensorProto.DataLocation.EXTERNAL);
        t.addExternalData(entry("location", "weights.bin")).addExternalData(entry("offset", "100"))
                .addExternalData(entry("length", "48"));
        java.nio.file.Path file = tmp.resolve("ext.onnx");
        java.nio.file.Files.write(file, g.bytes());
        assertThat(OnnxImporter.load(file).predict(x).maxAbsDiff(ref)).isZero();
        assertThat(Ort.relDiff(OnnxImporter.load(file).predict(x), Ort.run(file, "x", x))).isLessThan(1e-6);
    }

    @Test
    void shapeArithmeticWithSliceCastAndArithmeticIsFolded() throws Exception {
        G g = new G(13).input("x", 2, 3, 4);
        String sh = g.node("Shape", List.of("x"));
        String n = g.node("Unsqueeze", List.of(g.node("Gather", List.of(sh, addScalar(g, "i0", 0))), g.ints("ax", 0)));
        String rest = g.node("Slice", List.of(sh, g.ints("st", 1), g.ints("en", Long.MAX_VALUE), g.ints("sa", 0)));
        String c = g.node("Gather", List.of(rest, g.ints("i1", 0)));
        c = g.node("Cast", List.of(g.node("Cast", List.of(c), i("to", 1))), i("to", 7));
        c = g.node("Mul", List.of(g.node("Div", List.of(c, g.ints("two", 2))), g.ints("two2", 2)));
        String target = g.node("Concat", List.of(n, c, g.ints("m1", -1)), i("axis", 0));
        String r = g.node("Reshape", List.of("x", target));
        String t = g.node("Transpose", List.of(r), is("perm", 0, 2, 1));
        String fl = g.node("Flatten", List.of(t));
        g.output(g.node("Gemm", List.of(fl, g.init("w", w(24, 3))), i("transA", 0)));
        Model m = check("folded Slice/Cast/Div/Mul", g, new int[] {2, 3, 4}, 1, 3, 4);
        assertThat(m.nodes()).hasSize(4);
    }

    @Test
    void protobufRoundTripKeepsTheModel() throws Exception {
        byte[] original = java.nio.file.Files.readAllBytes(ConformanceModelsTest.dir("cnn_bn").resolve("model.onnx"));
        byte[] rewritten = Protos.parseModel(original).toByteArray();
        Tensor x = Tensor.randn(rng, 1f, 2, 1, 28, 28);
        Tensor a = OnnxImporter.load(original, "a").predict(x);
        assertThat(OnnxImporter.load(rewritten, "b").predict(x).maxAbsDiff(a)).isZero();
        assertThat(Ort.relDiff(a, Ort.run(rewritten, "input", x))).isLessThan(1e-5);
    }

    @Test
    void unpackedRepeatedFieldsAreRead() throws Exception {
        // an initializer whose dims and float_data are written one value per tag (unpacked), as old writers do
        java.io.ByteArrayOutputStream tb = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream t = com.google.protobuf.CodedOutputStream.newInstance(tb);
        t.writeInt64(1, 3);
        t.writeInt64(1, 2);
        t.writeInt64(2, 1);
        for (int k = 0; k < 6; k++) {
            t.writeFloat(4, k);
        }
        t.writeString(8, "w");
        t.flush();
        G g = new G(13).input("x", 3);
        g.output(g.node("fc", "MatMul", List.of("x", "w")));
        java.io.ByteArrayOutputStream graph = new java.io.ByteArrayOutputStream();
        g.graph.build().writeTo(graph);
        com.google.protobuf.CodedOutputStream gw = com.google.protobuf.CodedOutputStream.newInstance(graph);
        gw.writeByteArray(5, tb.toByteArray());
        gw.flush();
        java.io.ByteArrayOutputStream model = new java.io.ByteArrayOutputStream();
        g.build().toBuilder().clearGraph().build().writeTo(model);
        com.google.protobuf.CodedOutputStream mw = com.google.protobuf.CodedOutputStream.newInstance(model);
        mw.writeByteArray(7, graph.toByteArray());
        mw.flush();
        Model m = OnnxImporter.load(model.toByteArray(), "unpacked");
        assertThat(m.predict(Tensor.of(new float[] {1, 1, 1}, 1, 3)).toArray()).containsExactly(6f, 9f);
    }
}
