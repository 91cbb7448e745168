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
import org.lrp4j.onnx.proto.Onnx;
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
        TensorProto t = g.graph.initializer.get(0);
        t.dims = new long[] {1L << 40};
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "huge")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("tensor 'w'").hasMessageContaining("more elements");
        t.dims = new long[] {1 << 20, 1 << 10};   // 2^30 elements that would fit an int, but 48 bytes present
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "big")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("needs 4294967296 bytes but raw_data has 48");
        t.rawData = null;
        t.floatData = new float[12];
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "big")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("holds 12");
        t.dims = new long[] {-3, 4};
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "neg")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("negative");
    }

    @Test
    void unsupportedOperatorNamesNodeOpAndSupportedList() {
        G g = small();
        g.graph.node.get(1).opType = "FooBar";
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "foo.onnx")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("foo.onnx").hasMessageContaining("node 'relu'")
                .hasMessageContaining("'FooBar' is not supported").hasMessageContaining("Conv")
                .hasMessageContaining("Gemm");
        G h = small();
        h.graph.node.get(1).domain = "com.example";
        assertThatThrownBy(() -> OnnxImporter.load(h.bytes(), "dom")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("com.example");
    }

    @Test
    void unsupportedDataTypeIsNamed() {
        G g = small();
        TensorProto t = g.graph.initializer.get(1);
        t.dataType = Onnx.COMPLEX64;
        t.rawData = java.nio.ByteBuffer.allocate(24);
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "cplx")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("COMPLEX64").hasMessageContaining("tensor 'b'");
        G s = small();
        s.graph.input.get(0).elemType = Onnx.INT64;
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
        g.model.opsetImport.get(0).version = 5;
        assertThatThrownBy(() -> OnnxImporter.load(g.bytes(), "old")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("opset 5");
        G h = small();
        h.model.graph = null;
        assertThatThrownBy(() -> OnnxImporter.load(h.bytes(), "nograph")).isInstanceOf(OnnxFormatException.class)
                .hasMessageContaining("no graph");
    }

    @Test
    void externalDataMayNotLeaveTheModelFolder() throws Exception {
        Path inner = Files.createDirectories(tmp.resolve("models"));
        Files.write(tmp.resolve("secret.bin"), new byte[48]);
        for (String loc : new String[] {"../secret.bin", "/etc/passwd", "missing.bin"}) {
            G g = small();
            TensorProto t = g.graph.initializer.get(0);
            t.rawData = null;
            t.dataLocation = 1;
            t.externalData.add(new StringStringEntryProto("location", loc));
            Path f = inner.resolve("m.onnx");
            Files.write(f, g.bytes());
            assertThatThrownBy(() -> OnnxImporter.load(f)).as(loc).isInstanceOf(OnnxFormatException.class)
                    .hasMessageContaining("tensor 'w'");
        }
        G g = small();
        TensorProto t = g.graph.initializer.get(0);
        t.rawData = null;
        t.dataLocation = 1;
        t.externalData.add(new StringStringEntryProto("location", "short.bin"));
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
        // attribute -> graph -> node -> attribute -> graph ... nested 200 deep
        byte[] inner = new byte[0];
        for (int k = 0; k < 100; k++) {
            byte[] graphBytes = new org.lrp4j.onnx.proto.ProtoWriter().bytes(1, inner).toByteArray(); // GraphProto.node
            byte[] attr = new org.lrp4j.onnx.proto.ProtoWriter().bytes(6, graphBytes).toByteArray();  // AttributeProto.g
            inner = new org.lrp4j.onnx.proto.ProtoWriter().bytes(5, attr).toByteArray();              // NodeProto.attribute
        }
        org.lrp4j.onnx.proto.ProtoWriter top = new org.lrp4j.onnx.proto.ProtoWriter();
        top.int64(1, 7);
        org.lrp4j.onnx.proto.ProtoWriter graph = new org.lrp4j.onnx.proto.ProtoWriter();
        graph.bytes(1, inner);
        top.message(7, graph);
        byte[] deep = top.toByteArray();
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
