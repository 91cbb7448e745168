package org.lrp4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
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
import org.lrp4j.layers.GlobalAveragePool;
import org.lrp4j.layers.Identity;
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
import org.lrp4j.onnx.proto.Onnx;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.kernel.Conv2dSpec;
import org.lrp4j.tensor.kernel.Pool2dSpec;

/**
 * Models built by lrp4j, exported to ONNX: re-imported they compute the same outputs, and ONNX Runtime agrees
 * within 1e-4 relative. Imported models (conformance, zoo) survive import -> export -> import unchanged.
 */
class ExportRoundTripTest {
    private final SplittableRandom rng = new SplittableRandom(77);

    @TempDir
    Path tmp;

    /** Exports, re-imports, and compares original vs re-imported (1e-6) and original vs ORT (1e-4). */
    private Model roundTrip(String what, Model m, int... batches) throws Exception {
        byte[] bytes = OnnxExporter.toBytes(m);
        Model back = OnnxImporter.load(bytes, what);
        String input = m.inputs().get(0).name();
        double worstBack = 0;
        double worstOrt = 0;
        for (int b : batches) {
            int[] s = m.inputs().get(0).sampleShape().toArray();
            int[] dims = new int[s.length + 1];
            dims[0] = b;
            System.arraycopy(s, 0, dims, 1, s.length);
            Tensor x = Tensor.randn(rng, 1f, dims);
            Tensor y = m.predict(x);
            double rb = Ort.relDiff(back.predict(x), y);
            double ro = Ort.relDiff(Ort.run(bytes, input, x), y);
            worstBack = Math.max(worstBack, rb);
            worstOrt = Math.max(worstOrt, ro);
            assertThat(rb).as("%s batch %d: re-imported vs original", what, b).isLessThanOrEqualTo(1e-6);
            assertThat(ro).as("%s batch %d: ORT vs original", what, b).isLessThan(1e-4);
        }
        System.err.printf("export %s (%d nodes, %d bytes): max rel diff re-imported %.2e, ORT %.2e%n", what,
                m.nodes().size(), bytes.length, worstBack, worstOrt);
        return back;
    }

    private static List<String> names(Model m) {
        return m.nodes().stream().map(Node::name).toList();
    }

    private static List<String> ops(Model m) {
        return m.nodes().stream().map(Node::opType).toList();
    }

    private BatchNorm bn(int c) {
        return new BatchNorm(Variable.parameter(Tensor.rand(rng, 0.5f, 1.5f, c)),
                Variable.parameter(Tensor.randn(rng, 0.1f, c)), Tensor.randn(rng, 0.1f, c),
                Tensor.rand(rng, 0.5f, 2f, c), 1e-5f, 0.1f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"cnn", "small-cnn", "mlp"})
    void builtInArchitecturesRoundTrip(String arch) throws Exception {
        Model m = Architectures.create(arch, 1, 28, 10, 3);
        Model back = roundTrip(arch, m, 1, 4);
        assertThat(names(back)).containsExactlyElementsOf(names(m));
        assertThat(ops(back)).containsExactlyElementsOf(ops(m));
        assertThat(back.parameterCount()).isEqualTo(m.parameterCount());
        Tensor x = Tensor.randn(rng, 1f, 2, 1, 28, 28);
        assertThat(back.predict(x).maxAbsDiff(m.predict(x))).as("bit-identical").isZero();
    }

    @Test
    void vggStyleStackRoundTrips() throws Exception {
        Model m = ModelBuilder.create("vgg").input("input", 3, 32, 32)
                .then(Conv2d.of(3, 8, 3, 1, 1, rng)).then(new ReLU())
                .then(Conv2d.of(8, 8, 3, 1, 1, rng)).then(new ReLU()).then(MaxPool2d.of(2, 2))
                .then(Conv2d.of(8, 16, 3, 1, 1, rng)).then(new ReLU())
                .then(Conv2d.of(16, 16, 3, 1, 1, rng)).then(new ReLU())
                .then(new MaxPool2d(new Pool2dSpec(3, 3, 2, 2, 0, 0, 0, 0, true, false)))
                .then(new Flatten())
                .then(Linear.of(16 * 8 * 8, 32, rng)).then(new ReLU()).then(new Dropout(0.5f))
                .then(Linear.of(32, 10, rng))
                .build();
        Model back = roundTrip("vgg", m, 1, 3);
        assertThat(names(back)).containsExactlyElementsOf(names(m));
        assertThat(ops(back)).containsExactlyElementsOf(ops(m));
    }

    @Test
    void resnetStyleBlocksWithBatchNormAndResidualAddsRoundTrip() throws Exception {
        ModelBuilder b = ModelBuilder.create("resnet").input("input", 3, 16, 16);
        String h = b.add("conv1", Conv2d.of(3, 8, 3, 1, 1, rng), "input");
        h = b.add("bn1", bn(8), h);
        h = b.add("relu1", new ReLU(), h);
        // identity block
        String r = b.add("block1.conv1", Conv2d.of(8, 8, 3, 1, 1, rng), h);
        r = b.add("block1.bn1", bn(8), r);
        r = b.add("block1.relu1", new ReLU(), r);
        r = b.add("block1.conv2", Conv2d.of(8, 8, 3, 1, 1, rng), r);
        r = b.add("block1.bn2", bn(8), r);
        h = b.add("block1.add", new Add(), r, h);
        h = b.add("block1.relu2", new ReLU(), h);
        // downsampling block with a 1x1 projection
        r = b.add("block2.conv1", Conv2d.of(8, 16, 3, 2, 1, rng), h);
        r = b.add("block2.bn1", bn(16), r);
        r = b.add("block2.relu1", new ReLU(), r);
        r = b.add("block2.conv2", Conv2d.of(16, 16, 3, 1, 1, rng), r);
        r = b.add("block2.bn2", bn(16), r);
        String p = b.add("block2.downsample.conv", new Conv2d(Conv2dSpec.of(2, 0),
                Variable.parameter(Tensor.randn(rng, 0.3f, 16, 8, 1, 1)), null), h);
        p = b.add("block2.downsample.bn", bn(16), p);
        h = b.add("block2.add", new Add(), r, p);
        h = b.add("block2.relu2", new ReLU(), h);
        h = b.add("avgpool", new GlobalAveragePool(), h);
        h = b.add("flatten", new Flatten(), h);
        b.add("fc", Linear.of(16, 10, rng), h);
        Model m = b.build();
        Model back = roundTrip("resnet", m, 1, 3);
        assertThat(names(back)).containsExactlyElementsOf(names(m));
        BatchNorm before = (BatchNorm) m.node("block2.bn2").layer();
        BatchNorm after = (BatchNorm) back.node("block2.bn2").layer();
        assertThat(after.runningVar().maxAbsDiff(before.runningVar())).isZero();
        assertThat(after.epsilon()).isEqualTo(before.epsilon());
        assertThat(after.momentum()).isEqualTo(before.momentum());
        assertThat(back.node("block2.downsample.conv").layer().parameters()).containsOnlyKeys("weight");
    }

    @Test
    void alexnetStyleNetworkWithLrnAndGroupsRoundTrips() throws Exception {
        ModelBuilder b = ModelBuilder.create("alexnet-lrn").input("input", 3, 31, 31);
        String h = b.add("conv1", new Conv2d(new Conv2dSpec(2, 2, 2, 2, 2, 2, 1, 1, 1),
                Variable.parameter(Tensor.randn(rng, 0.2f, 16, 3, 5, 5)), Variable.parameter(Tensor.randn(rng,
                0.1f, 16))), "input");
        h = b.add("relu1", new ReLU(), h);
        h = b.add("lrn1", new LocalResponseNorm(5, 1e-4f, 0.75f, 2f), h);
        h = b.add("pool1", new MaxPool2d(Pool2dSpec.of(3, 2, 0)), h);
        h = b.add("conv2", new Conv2d(new Conv2dSpec(1, 1, 1, 1, 1, 1, 1, 1, 2),
                Variable.parameter(Tensor.randn(rng, 0.2f, 16, 8, 3, 3)), Variable.parameter(Tensor.randn(rng,
                0.1f, 16))), h);
        h = b.add("relu2", new ReLU(), h);
        h = b.add("lrn2", new LocalResponseNorm(3, 2e-3f, 0.6f, 1f), h);
        h = b.add("pool2", new MaxPool2d(Pool2dSpec.of(3, 2, 0)), h);
        h = b.add("flatten", new Flatten(), h);
        b.add("fc", Linear.of(16 * 3 * 3, 10, rng), h);
        Model m = b.build();
        Model back = roundTrip("alexnet-lrn", m, 1, 2);
        assertThat(back.node("lrn2").layer()).isEqualTo(m.node("lrn2").layer());
        assertThat(ops(back)).containsExactlyElementsOf(ops(m));
        // ONNX Runtime only runs odd LRN sizes; an even size still exports and re-imports exactly
        Model even = ModelBuilder.create("even-lrn").input("input", 4, 5, 5)
                .then(new LocalResponseNorm(4, 1e-2f, 0.75f, 1f)).build();
        Model evenBack = OnnxImporter.load(OnnxExporter.toBytes(even), "even");
        Tensor x = Tensor.randn(rng, 1f, 2, 4, 5, 5);
        assertThat(evenBack.predict(x).maxAbsDiff(even.predict(x))).isZero();
    }

    /** One network with every layer kind lrp4j has. */
    static Model everyLayer(SplittableRandom rng) {
        ModelBuilder b = ModelBuilder.create("every-layer").input("x", 3, 9, 9);
        String h = b.add("pad", new Pad(new int[] {0, 0, 1, 1, 0, 0, 0, 1}), "x");                  // [3, 10, 11]
        h = b.add("conv", new Conv2d(new Conv2dSpec(1, 1, 1, 0, 0, 1, 2, 2, 3),
                Variable.parameter(Tensor.randn(rng, 0.4f, 6, 1, 3, 3)), Variable.parameter(Tensor.randn(rng,
                0.1f, 6))), h);                                                                       // [6, 7, 8]
        h = b.add("bn", new BatchNorm(Variable.parameter(Tensor.rand(rng, 0.5f, 1.5f, 6)),
                Variable.parameter(Tensor.randn(rng, 0.1f, 6)), Tensor.randn(rng, 0.1f, 6),
                Tensor.rand(rng, 0.5f, 2f, 6), 1e-3f, 0.2f), h);
        h = b.add("lrelu", new LeakyReLU(0.1f), h);
        h = b.add("relu", new ReLU(), h);
        // ceil mode counting the padding, with windows past the padded input along the width
        h = b.add("avgpool", new AvgPool2d(new Pool2dSpec(3, 3, 2, 2, 1, 1, 1, 1, true, true)), h);  // [6, 4, 5]
        h = b.add("avgpool2", new AvgPool2d(new Pool2dSpec(2, 2, 1, 1, 1, 0, 0, 1, false, false)), h); // [6, 4, 5]
        h = b.add("maxpool", new MaxPool2d(new Pool2dSpec(2, 2, 1, 1, 0, 0, 1, 1, true, false)), h);  // [6, 4, 5]
        String t = b.add("tanh", new Tanh(), h);
        String c = b.add("relu6", new Clip(0f, 6f), h);
        String cat = b.add("concat", new Concat(1), t, c);                                           // [12, 4, 5]
        String s = b.add("sigmoid", new Sigmoid(), cat);
        String sub = b.add("sub", new Binary(Binary.Kind.SUB, Tensor.randn(rng, 1f, 12, 1, 1), true), cat);
        String mul = b.add("mul", Binary.of(Binary.Kind.MUL), sub, s);
        String div = b.add("div", Binary.withConstant(Binary.Kind.DIV, Tensor.rand(rng, 1f, 2f, 5)), mul);
        String addc = b.add("addc", Binary.withConstant(Binary.Kind.ADD, Tensor.scalar(0.25f)), div);
        String lrn = b.add("lrn", new LocalResponseNorm(3, 1e-2f, 0.75f, 1f), addc);
        h = b.add("residual", new Add(), lrn, div);
        h = b.add("identity", new Identity(), h);
        h = b.add("dropout", new Dropout(0.3f), h);
        h = b.add("gap", new GlobalAveragePool(), h);                                                // [12, 1, 1]
        h = b.add("squeeze", new Squeeze(new int[] {2, 3}), h);                                        // [12]
        h = b.add("reshape", new Reshape(new int[] {0, 3, 4}), h);                                     // [3, 4]
        h = b.add("transpose", new Transpose(new int[] {0, 2, 1}), h);                                 // [4, 3]
        h = b.add("unsqueeze", new Unsqueeze(new int[] {1}), h);                                       // [1, 4, 3]
        h = b.add("flatten", new Flatten(1), h);                                                       // [12]
        String tr = b.add("rows", new Transpose(new int[] {1, 0}), h);                                 // [12, N]
        String gram = b.add("gram", new MatMul(), h, tr);                                              // [N, N]
        h = b.add("mix", new MatMul(), gram, h);                                                       // [N, 12]
        h = b.add("fc1", Linear.of(12, 8, rng), h);
        h = b.add("clip_low", new Clip(-1f, Float.POSITIVE_INFINITY), h);
        h = b.add("softmax", new Softmax(1), h);
        h = b.add("fc2", new Linear(Variable.parameter(Tensor.randn(rng, 1f, 5, 8)), null), h);
        b.add("clip_high", new Clip(Float.NEGATIVE_INFINITY, 3f), h);
        return b.build();
    }

    /** The layer records under a sealed interface, through sealed sub-interfaces such as ShapeOnly. */
    private static java.util.Set<Class<?>> layerClasses(Class<?> c) {
        java.util.Set<Class<?>> out = new java.util.HashSet<>();
        if (c.isSealed()) {
            for (Class<?> sub : c.getPermittedSubclasses()) {
                out.addAll(layerClasses(sub));
            }
        } else {
            out.add(c);
        }
        return out;
    }

    @Test
    void everyLayerKindRoundTrips() throws Exception {
        Model m = everyLayer(rng);
        Model back = roundTrip("every-layer", m, 1, 3);
        java.util.Set<Class<?>> kinds = new java.util.HashSet<>();
        m.nodes().forEach(n -> kinds.add(n.layer().getClass()));
        assertThat(kinds).containsExactlyInAnyOrderElementsOf(layerClasses(org.lrp4j.layers.Layer.class));
        // one node per node, except the ceil-mode average pooling whose padding had to be made explicit
        List<String> expected = new java.util.ArrayList<>(names(m));
        expected.add(expected.indexOf("avgpool"), "avgpool/pad");
        assertThat(names(back)).containsExactlyElementsOf(expected);
        assertThat(back.node("avgpool2").layer()).isEqualTo(m.node("avgpool2").layer());
        assertThat(back.node("sub").layer()).isInstanceOf(Binary.class);
        assertThat(((Binary) back.node("sub").layer()).constantFirst()).isTrue();
    }

    @Test
    void fileHasOpsetProducerNamesInitializersAndDynamicBatch() throws Exception {
        Model m = Architectures.create("cnn", 1, 28, 10, 1);
        Path file = tmp.resolve("sub/cnn.onnx");
        List<String> classes = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                "Sneaker", "Bag", "Ankle \"boot\", tall");
        OnnxExporter.save(m, file, Map.ofEntries(OnnxModelInfo.classNamesEntry(classes), Map.entry("k", "v")));
        OnnxModelInfo info = OnnxModelInfo.read(file);
        assertThat(info.opset()).isEqualTo(13);
        assertThat(info.irVersion()).isEqualTo(7);
        assertThat(info.producerName()).isEqualTo("lrp4j");
        assertThat(info.inputs()).hasSize(1);
        assertThat(info.inputs().get(0).name()).isEqualTo("input");
        assertThat(info.inputs().get(0).shape()).isEqualTo("[batch, 1, 28, 28]");
        assertThat(info.inputs().get(0).elementType()).isEqualTo("float32");
        assertThat(info.outputs().get(0).shape()).isEqualTo("[batch, 10]");
        assertThat(info.nodeCount()).isEqualTo(m.nodes().size());
        assertThat(info.classNames()).contains(classes);
        assertThat(info.metadata()).containsEntry("k", "v");
        assertThat(OnnxModelInfo.classNames(file)).contains(classes);

        Onnx.GraphProto graph = Onnx.ModelProto.parseFrom(Files.readAllBytes(file)).getGraph();
        assertThat(graph.getNodeList().stream().map(n -> n.getName()).toList()).containsExactlyElementsOf(names(m));
        assertThat(graph.getInitializerList().stream().map(t -> t.getName()).toList())
                .containsExactlyElementsOf(m.state().keySet());
        assertThat(graph.getInitializerList()).allSatisfy(t -> {
            assertThat(t.getDataType()).isEqualTo(Onnx.TensorProto.DataType.FLOAT_VALUE);
            assertThat(t.hasRawData()).isTrue();
        });
        Onnx.NodeProto fc = graph.getNodeList().stream().filter(n -> n.getName().equals("fc1")).findFirst()
                .orElseThrow();
        assertThat(fc.getOpType()).isEqualTo("Gemm");
        assertThat(fc.getAttributeList()).anySatisfy(a -> {
            assertThat(a.getName()).isEqualTo("transB");
            assertThat(a.getI()).isEqualTo(1);
        });
        Model back = OnnxImporter.load(file);
        assertThat(back.name()).isEqualTo("cnn");
        Tensor x = Tensor.randn(rng, 1f, 5, 1, 28, 28);
        assertThat(back.predict(x).maxAbsDiff(m.predict(x))).isZero();
        assertThat(Ort.relDiff(Ort.run(file, "input", x), m.predict(x))).isLessThan(1e-4);
        assertThat(Files.list(file.getParent()).toList()).containsExactly(file);   // no temporary file left
    }

    @Test
    void classNamesEncodingSurvivesQuotesAndCommas() {
        List<String> names = List.of("a,b", "c\"d", "e\\f", "", "g\nh", "ü");
        assertThat(OnnxModelInfo.decodeStrings(OnnxModelInfo.encodeStrings(names))).containsExactlyElementsOf(names);
        assertThat(OnnxModelInfo.decodeStrings("cat, dog ,bird")).containsExactly("cat", "dog", "bird");
        assertThat(OnnxModelInfo.decodeStrings("[]")).isEmpty();
    }

    @Test
    void aNodeThatCannotBeExportedIsNamed() throws Exception {
        // ceil mode counting padding needs the input size, which a model with a free spatial size lacks
        Model m = Model.of("free", List.of(new Model.Input("x", null)), List.of(new Node("pool1",
                new AvgPool2d(new Pool2dSpec(3, 3, 2, 2, 1, 1, 1, 1, true, true)), List.of("x"), "y")), List.of("y"));
        assertThatThrownBy(() -> OnnxExporter.toBytes(m))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node 'pool1' (AveragePool)")
                .hasMessageContaining("input size");
        // without ceil mode the same free-size model exports, with symbolic dimensions
        Model ok = Model.of("free", List.of(new Model.Input("x", null)), List.of(new Node("pool1",
                new AvgPool2d(new Pool2dSpec(3, 3, 2, 2, 1, 1, 1, 1, false, true)), List.of("x"), "y")), List.of("y"));
        byte[] bytes = OnnxExporter.toBytes(ok);
        Tensor x = Tensor.randn(rng, 1f, 1, 2, 7, 6);
        assertThat(Ort.relDiff(Ort.run(bytes, "x", x), ok.predict(x))).isLessThan(1e-4);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn", "cnn_bn"})
    void conformanceModelsSurviveImportExportImport(String name) throws Exception {
        Path d = ConformanceModelsTest.dir(name);
        Model first = OnnxImporter.load(d.resolve("model.onnx"));
        byte[] bytes = OnnxExporter.toBytes(first);
        Model second = OnnxImporter.load(bytes, name);
        assertThat(names(second)).containsExactlyElementsOf(names(first));
        Tensor x = TestNpy.read(d.resolve("input.npy"));
        Tensor y1 = first.predict(x);
        assertThat(second.predict(x).maxAbsDiff(y1)).isZero();
        double ort = Ort.relDiff(Ort.run(bytes, "input", x), y1);
        double logits = Ort.relDiff(second.predict(x), TestNpy.read(d.resolve("logits.npy")));
        System.err.printf("conformance %s import-export-import: ORT on the export %.2e, vs logits.npy %.2e%n", name,
                ort, logits);
        assertThat(ort).isLessThan(1e-4);
        assertThat(logits).isLessThan(1e-5);
        // and once more: the second export equals the first byte for byte
        assertThat(OnnxExporter.toBytes(second)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"alexnet_lrn_small", "squeezenet1_1", "resnet18", "mobilenet_v2"})
    void zooModelsSurviveImportExportImport(String name) throws Exception {
        Path z = ZooModelsTest.zoo();
        Path file = z == null ? null : z.resolve(name).resolve("model.onnx");
        if (file == null || !Files.isRegularFile(file)) {
            System.err.println("NOTICE: zoo model '" + name + "' not found ($LRP4J_ZOO or ../shared/zoo); skipping");
            Assumptions.abort("zoo model " + name + " not available");
        }
        Model first = OnnxImporter.load(file);
        byte[] bytes = OnnxExporter.toBytes(first);
        Model second = OnnxImporter.load(bytes, name);
        assertThat(names(second)).containsExactlyElementsOf(names(first));
        Tensor x = TestNpy.read(file.resolveSibling("input.npy"));
        Tensor y1 = first.predict(x);
        assertThat(second.predict(x).maxAbsDiff(y1)).isZero();
        double ort = Ort.relDiff(Ort.run(bytes, first.inputs().get(0).name(), x), y1);
        System.err.printf("zoo %s import-export-import: ORT on the export %.2e%n", name, ort);
        assertThat(ort).isLessThan(1e-4);
    }
}
