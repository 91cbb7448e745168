package org.lrp4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.lrp4j.onnx.G.i;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.graph.GraphException;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.onnx.proto.Onnx.GraphProto;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.NodeProto;
import org.lrp4j.onnx.proto.Onnx.StringStringEntryProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.tensor.Tensor;

/** Missing, truncated, foreign, forged and unsupported files: always an OnnxFormatException with a clear message. */
class BadInputTest {
    @TempDir
    Path tmp;

    private static byte[] conformance(String model) throws Exception {
        return Files.readAllBytes(ConformanceModelsTest.dir(model).resolve("model.onnx"));
    }

    /** A small valid model: Gemm -> Relu. */
    private static G small() {
        G g = new G(13).input("x", 4);
        String y = g.node("fc", "Gemm", List.of("x", g.init("w", Tensor.ones(3, 4)), g.init("b", Tensor.ones(3))),
                i("transB", 1));
        g.output(g.node("relu", "Relu", List.of(y)));
        return g;
    }

    @Test
    void smallModelLoads() throws Exception {
        assertThat(OnnxImporter.load(small().bytes(), "small").predict(Tensor.ones(2, 4)).toArray())
                .containsOnly(5f);
    }

    @Test
    void missingFileAndDirectory() {
        assertThatThrownBy(() -> OnnxImporter.load(tmp.resolve("nope.onnx"))).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("nope.onnx").hasMessageContaining("no such file");
        assertThatThrownBy(() -> OnnxImporter.load(tmp)).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("directory");
    }

    @Test
    void truncatedFilesAreRejected() throws Exception {
        byte[] full = conformance("cnn");
        SplittableRandom rng = new SplittableRandom(5);
        int[] cuts = {0, 1, 2, 7, 100, full.length / 3, full.length / 2, full.length - 1000, full.length - 3,
            full.length - 1, 1 + rng.nextInt(full.length - 1)};
        for (int cut : cuts) {
            Path f = tmp.resolve("cut" + cut + ".onnx");
            Files.write(f, java.util.Arrays.copyOf(full, cut));
            assertThatThrownBy(() -> OnnxImporter.load(f)).as("cut at %d of %d", cut, full.length)
                    .isInstanceOf(OnnxFormatException.class).hasMessageContaining("cut" + cut + ".onnx");
        }
    }

    @Test
    void notOnnx() throws Exception {
        Path text = tmp.resolve("readme.onnx");
        Files.writeString(text, "This is not a model, just some text.\nSecond line.\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> OnnxImporter.load(text)).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("readme.onnx");
        SplittableRandom rng = new SplittableRandom(9);
        for (int k = 0; k < 50; k++) {
            byte[] b = new byte[1 + rng.nextInt(2000)];
            rng.nextBytes(b);
            assertThatThrownBy(() -> OnnxImporter.load(b, "random")).isInstanceOf(OnnxFormatException.class);
        }
        assertThatThrownBy(() -> OnnxImporter.load(new byte[0], "empty")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("not an ONNX model");
    }

    @Test
    void fuzzedModelsLoadOrFailCleanly() {
        Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            byte[][] seeds = {small().bytes(), conformance("cnn_bn")};
            SplittableRandom rng = new SplittableRandom(20240611L);
            int ok = 0;
            int rejected = 0;
            for (int k = 0; k < 400; k++) {
                byte[] base = seeds[k % 5 == 4 ? 1 : 0];
                byte[] b = base.clone();
                int flips = 1 + rng.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    // cnn_bn: mutate the structure-heavy head and tail more often than the weights in between
                    int pos = b.length < 4096 || rng.nextBoolean() ? rng.nextInt(b.length)
                            : (rng.nextBoolean() ? rng.nextInt(2048) : b.length - 1 - rng.nextInt(2048));
                    b[pos] = rng.nextInt(4) == 0 ? (byte) rng.nextInt(256) : (byte) (b[pos] ^ (1 << rng.nextInt(8)));
                }
                try {
                    OnnxImporter.load(b, "fuzz" + k);
                    ok++;
                } catch (OnnxFormatException | GraphException e) {
                    rejected++;
                    assertThat(e.getMessage()).isNotBlank();
                } catch (Throwable t) {
                    throw new AssertionError("mutation " + k + " threw " + t, t);
                }
            }
            System.err.printf("fuzz: %d mutated models loaded, %d rejected with OnnxFormatException%n", ok, rejected);
            assertThat(rejected).isPositive();
        });
    }

    @Test
    void absurdTensorSizesFailBeforeAllocating() {
        G g = small();
        TensorProto.Builder t = g.graph.getInitializerBuilder(0);
        t.clearDims().addDims(1L << 40);
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "huge")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("tensor 'w'").hasMessageContaining("more elements");
        t.clearDims().addDims(1 << 20).addDims(1 << 10);   // 2^30 elements that would fit an int, but 48 bytes present
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "big")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("needs 4294967296 bytes but raw_data has 48");
        t.clearRawData();
        for (int k = 0; k < 12; k++) {
            t.addFloatData(0f);
        }
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "big")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("holds 12");
        t.clearDims().addDims(-3).addDims(4);
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "neg")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("negative");
    }

    @Test
    void segmentedTensorsAndUnknownDataLocationsAreNamed() {
        G g = small();
        g.graph.getInitializerBuilder(0).setSegment(TensorProto.Segment.newBuilder().setBegin(0).setEnd(6));
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "seg")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("tensor 'w'").hasMessageContaining("segments");
        G h = small();
        h.graph.getInitializerBuilder(0).setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(TensorProto.DATA_LOCATION_FIELD_NUMBER,
                        com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(7).build()).build());
        assertThatThrownBy(() -> OnnxImporter.load(h.bytes(), "loc")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("tensor 'w'").hasMessageContaining("unknown data_location");
    }

    @Test
    void unsupportedOperatorNamesNodeOpAndSupportedList() {
        G g = small();
        g.graph.getNodeBuilder(1).setOpType("FooBar");
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "foo.onnx")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("foo.onnx").hasMessageContaining("node 'relu'")
                .hasMessageContaining("'FooBar' is not supported").hasMessageContaining("Conv")
                .hasMessageContaining("Gemm");
        G h = small();
        h.graph.getNodeBuilder(1).setDomain("com.example");
        assertThatThrownBy(() -> OnnxImporter.load(h.bytes(), "dom")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("com.example");
    }

    @Test
    void unsupportedDataTypeIsNamed() {
        G g = small();
        g.graph.getInitializerBuilder(1).setDataType(TensorProto.DataType.COMPLEX64_VALUE)
                .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[24]));
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "cplx")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("COMPLEX64").hasMessageContaining("tensor 'b'");
        G s = small();
        s.graph.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder()
                .setElemType(TensorProto.DataType.INT64_VALUE);
        assertThatThrownBy(() -> OnnxImporter.load(s.bytes(), "intin")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("INT64");
    }

    @Test
    void cycleAndDanglingInputAreNamed() {
        G g = new G(13).input("x", 4);
        g.node("a", "Add", List.of("x", "b_out"));
        g.node("b", "Relu", List.of("a_out"));
        g.output("b_out");
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "cyc")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("cycle").hasMessageContaining("[a, b]");
        G d = new G(13).input("x", 4);
        d.output(d.node("r", "Relu", List.of("nope")));
        assertThatThrownBy(() -> OnnxImporter.load(d.bytes(), "dangling")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("node 'r'").hasMessageContaining("'nope'");
        G o = small();
        o.output("ghost");
        assertThatThrownBy(() -> OnnxImporter.load(o.bytes(), "ghost")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("'ghost'");
    }

    @Test
    void unsupportedOpsetAndMissingGraph() {
        G g = small();
        g.model.getOpsetImportBuilder(0).setVersion(5);
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "old")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("opset 5");
        G h = small();
        h.withGraph = false;
        assertThatThrownBy(() -> OnnxImporter.load(h.bytes(), "nograph")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("no graph");
    }

    @Test
    void externalDataMayNotLeaveTheModelFolder() throws Exception {
        Path inner = Files.createDirectories(tmp.resolve("models"));
        Files.write(tmp.resolve("secret.bin"), new byte[48]);
        for (String loc : new String[] {"../secret.bin", "/etc/passwd", "missing.bin"}) {
            G g = small();
            g.graph.getInitializerBuilder(0).clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(loc));
            Path f = inner.resolve("m.onnx");
            Files.write(f, g.bytes());
            assertThatThrownBy(() -> OnnxImporter.load(f)).as(loc).isInstanceOf(OnnxFormatException.class)
                    .hasMessageContaining("tensor 'w'");
        }
        G g = small();
        g.graph.getInitializerBuilder(0).clearRawData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("short.bin"));
        Files.write(inner.resolve("short.bin"), new byte[10]);
        Files.write(inner.resolve("m.onnx"), g.bytes());
        assertThatThrownBy(() -> OnnxImporter.load(inner.resolve("m.onnx"))).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("too few");
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "bytes")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("external");
    }

    @Test
    void protobufReaderRejectsForgedLengthsAndDeepNesting() {
        // field 7 (graph), length 2^31 claimed, 3 bytes present
        byte[] forged = {0x08, 0x07, 0x3a, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08, 1, 2, 3};
        assertThatThrownBy(() -> OnnxImporter.load(forged, "forged")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("remain");
        // attribute -> graph -> node -> attribute -> graph ... nested 300 deep
        GraphProto inner = GraphProto.getDefaultInstance();
        for (int k = 0; k < 100; k++) {
            inner = GraphProto.newBuilder().addNode(NodeProto.newBuilder().addAttribute(AttributeProto.newBuilder()
                    .setG(inner))).build();
        }
        byte[] deep = ModelProto.newBuilder().setIrVersion(7).setGraph(inner).build().toByteArray();
        assertThatThrownBy(() -> OnnxImporter.load(deep, "deep")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("nested");
    }

    @Test
    void supportedOperatorsAreListed() {
        assertThat(OnnxImporter.supportedOperators()).contains("Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div",
                "Relu", "LeakyRelu", "Tanh", "Sigmoid", "Clip", "Softmax", "MaxPool", "AveragePool",
                "GlobalAveragePool", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze", "Concat",
                "BatchNormalization", "LRN", "Dropout", "Identity", "Constant", "Pad", "Shape", "Gather", "Cast",
                "Slice").isSorted();
    }
}
