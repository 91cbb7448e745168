package org.lrp4j.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.layers.Add;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.layers.Identity;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.ReLU;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.tensor.TensorShapeException;

class ModelTest {

    private static Model residualBlock(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        ModelBuilder b = ModelBuilder.create("block").input("x", 2, 5, 5);
        String c1 = b.add("conv1", Conv2d.of(2, 2, 3, 1, 1, rng), "x");
        String r1 = b.add("relu1", new ReLU(), c1);
        String c2 = b.add("conv2", Conv2d.of(2, 2, 3, 1, 1, rng), r1);
        String sum = b.add("add", new Add(), c2, "x");
        b.add("relu2", new ReLU(), sum);
        return b.output("relu2").build();
    }

    @Test
    void forwardOfAResidualGraphEqualsTheHandWiredComputation() {
        Model m = residualBlock(3);
        Tensor x = Tensor.randn(new SplittableRandom(9), 1f, 2, 2, 5, 5);
        Conv2d c1 = (Conv2d) m.node("conv1").layer();
        Conv2d c2 = (Conv2d) m.node("conv2").layer();
        Variable xv = Variable.constant(x);
        Variable expected = Ops.relu(Ops.add(Ops.conv2d(Ops.relu(Ops.conv2d(xv, c1.weight(), c1.bias(), c1.spec())),
                c2.weight(), c2.bias(), c2.spec()), xv));
        assertThat(m.predict(x).maxAbsDiff(expected.value())).isZero();
    }

    @Test
    void traceRecordsEveryNodesInputsAndOutput() {
        Model m = residualBlock(4);
        Trace t = m.trace(Variable.constant(Tensor.ones(1, 2, 5, 5)));
        Node add = m.node("add");
        assertThat(t.inputs(add)).hasSize(2);
        assertThat(t.inputs(add).get(0)).isSameAs(t.output("conv2"));
        assertThat(t.inputs(add).get(1)).isSameAs(t.value("x"));
        assertThat(t.output()).isSameAs(t.output("relu2"));
        // re-running a node with modified parameters
        Conv2d conv1 = (Conv2d) m.node("conv1").layer();
        Conv2d doubled = conv1.withParameters(Map.of("weight", Variable.constant(conv1.weight().value().mul(2f)),
                "bias", Variable.constant(conv1.bias().value().mul(2f))));
        Variable rerun = doubled.forward(t.inputs(m.node("conv1")), ForwardContext.inference());
        assertThat(rerun.value().maxAbsDiff(t.output("conv1").value().mul(2f))).isLessThan(1e-5f);
        assertThat(m.node("conv1").layer()).isSameAs(conv1);
    }

    @Test
    void nodesAreSortedTopologicallyWhateverTheGivenOrder() {
        Model m = residualBlock(5);
        List<Node> reversed = new java.util.ArrayList<>(m.nodes());
        java.util.Collections.reverse(reversed);
        Model shuffled = Model.of("block", m.inputs(), reversed, m.outputs());
        assertThat(shuffled.nodes()).extracting(Node::name).containsExactly("conv1", "relu1", "conv2", "add", "relu2");
        Tensor x = Tensor.ones(1, 2, 5, 5);
        assertThat(shuffled.predict(x).maxAbsDiff(m.predict(x))).isZero();
    }

    @Test
    void aCycleIsRejectedNamingItsNodes() {
        List<Node> nodes = List.of(
                new Node("a", new Add(), List.of("x", "c"), "a"),
                new Node("b", new ReLU(), List.of("a"), "b"),
                new Node("c", new ReLU(), List.of("b"), "c"));
        assertThatThrownBy(() -> Model.of("loop", List.of(new Model.Input("x", Shape.of(3))), nodes, List.of("c")))
                .isInstanceOf(GraphException.class).hasMessageContaining("cycle").hasMessageContaining("a")
                .hasMessageContaining("b").hasMessageContaining("c");
    }

    @Test
    void aDanglingInputIsRejectedNamingTheNodeAndTensor() {
        List<Node> nodes = List.of(new Node("relu", new ReLU(), List.of("missing"), "y"));
        assertThatThrownBy(() -> Model.of("m", List.of(new Model.Input("x", Shape.of(3))), nodes, List.of("y")))
                .isInstanceOf(GraphException.class).hasMessageContaining("'relu'").hasMessageContaining("'missing'");
    }

    @Test
    void duplicateNamesAndUnknownOutputsAreRejected() {
        Model.Input in = new Model.Input("x", Shape.of(3));
        assertThatThrownBy(() -> Model.of("m", List.of(in), List.of(new Node("n", new ReLU(), List.of("x"), "y"),
                new Node("n", new ReLU(), List.of("y"), "z")), List.of("z")))
                .isInstanceOf(GraphException.class).hasMessageContaining("two nodes are named 'n'");
        assertThatThrownBy(() -> Model.of("m", List.of(in), List.of(new Node("n", new ReLU(), List.of("x"), "y")),
                List.of("nothing"))).isInstanceOf(GraphException.class).hasMessageContaining("'nothing'");
        assertThatThrownBy(() -> new Node("add", new Add(), List.of("x"), "y"))
                .isInstanceOf(GraphException.class).hasMessageContaining("'add'").hasMessageContaining("expects 2");
    }

    @Test
    void mismatchedLayerShapesNameTheNode() {
        SplittableRandom rng = new SplittableRandom(1);
        Model m = ModelBuilder.create("mlp").input("x", 4).then(Linear.of(4, 3, rng)).then(new ReLU())
                .then(Linear.of(5, 2, rng)).build();
        assertThatThrownBy(() -> m.predict(Tensor.ones(2, 4)))
                .isInstanceOf(GraphException.class).hasMessageContaining("node 'fc2' (Gemm)")
                .hasMessageContaining("[2, 3]");
        assertThatThrownBy(() -> m.predict(Tensor.ones(2, 5)))
                .isInstanceOf(TensorShapeException.class).hasMessageContaining("input 'x'")
                .hasMessageContaining("[N, 4]").hasMessageContaining("[2, 5]");
    }

    @Test
    void parametersAreAddressedByNodeName() {
        Model m = residualBlock(6);
        assertThat(m.parameter("conv2", "bias").shape()).isEqualTo(Shape.of(2));
        assertThat(m.namedParameters().keySet()).containsExactly("conv1.weight", "conv1.bias", "conv2.weight",
                "conv2.bias");
        assertThat(m.parameterCount()).isEqualTo(2 * (2 * 2 * 9 + 2));
        assertThatThrownBy(() -> m.parameter("conv2", "gamma")).hasMessageContaining("no parameter 'gamma'")
                .hasMessageContaining("[weight, bias]");
        assertThatThrownBy(() -> m.node("conv9")).hasMessageContaining("no node named 'conv9'");
    }

    @Test
    void mapNodesReturnsANewModelAndLeavesTheOriginalUnchanged() {
        Model m = residualBlock(7);
        Model rewritten = m.mapNodes(n -> n.opType().equals("Relu") ? n.withLayer(new Identity()) : n);
        assertThat(m.node("relu1").layer()).isInstanceOf(ReLU.class);
        assertThat(rewritten.node("relu1").layer()).isInstanceOf(Identity.class);
    }

    @Test
    void stateRoundTripsThroughLoadState() {
        Model a = residualBlock(1);
        Model b = residualBlock(2);
        Tensor x = Tensor.randn(new SplittableRandom(3), 1f, 1, 2, 5, 5);
        assertThat(a.predict(x).maxAbsDiff(b.predict(x))).isPositive();
        b.loadState(a.state());
        assertThat(a.predict(x).maxAbsDiff(b.predict(x))).isZero();
        Map<String, Tensor> wrong = new java.util.LinkedHashMap<>(a.state());
        wrong.put("conv1.bias", Tensor.zeros(3));
        assertThatThrownBy(() -> b.loadState(wrong)).hasMessageContaining("conv1.bias").hasMessageContaining("[2]");
    }

    @Test
    void gradientsFlowThroughTheGraphToEveryParameter() {
        Model m = residualBlock(8);
        Variable out = m.forward(Variable.constant(Tensor.randn(new SplittableRandom(1), 1f, 2, 2, 5, 5)),
                ForwardContext.inference());
        Ops.sum(out).backward();
        for (Variable p : m.parameters()) {
            assertThat(p.hasGrad()).isTrue();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"resnet18", "vgg16-bn", "lrn-cnn", "small-cnn", "mlp"})
    void predictGivesTheForwardPassBitForBitAndWritesOverNeitherInputNorParameters(String arch) {
        boolean small = List.of("lrn-cnn", "small-cnn", "mlp").contains(arch);
        Model m = Architectures.create(arch, small ? 1 : 3, small ? 28 : 32, 10, 5);
        Tensor x = Tensor.randn(new SplittableRandom(6), 1f, 2, small ? 1 : 3, small ? 28 : 32, small ? 28 : 32);
        float[] xBefore = x.toArray();
        Map<String, float[]> before = new java.util.HashMap<>();
        m.namedParameters().forEach((k, v) -> before.put(k, v.value().toArray()));
        m.nodes().forEach(n -> n.layer().buffers().forEach((k, t) -> before.put(n.name() + "/" + k, t.toArray())));
        Tensor expected = m.forward(Variable.constant(x), ForwardContext.inference()).value();
        assertThat(m.predict(x).toArray()).isEqualTo(expected.toArray());
        assertThat(m.predict(x).toArray()).isEqualTo(expected.toArray());
        assertThat(x.toArray()).isEqualTo(xBefore);
        m.namedParameters().forEach((k, v) -> assertThat(v.value().toArray()).as(k).isEqualTo(before.get(k)));
        m.nodes().forEach(n -> n.layer().buffers().forEach((k, t) -> assertThat(t.toArray()).as(n.name() + "/" + k)
                .isEqualTo(before.get(n.name() + "/" + k))));
    }

    @Test
    void predictLeavesAValueAloneWhileAViewOfItOrAnotherReaderStillNeedsIt() {
        // y = relu(conv(x)); a = relu(flatten(y)) (a view of y) ; b = flatten(y) again read later; out = a + b + relu(y)
        SplittableRandom rng = new SplittableRandom(3);
        ModelBuilder b = ModelBuilder.create("views").input("x", 2, 4, 4);
        String c = b.add("conv", Conv2d.of(2, 2, 3, 1, 1, rng), "x");
        String f1 = b.add("flat1", new org.lrp4j.layers.Flatten(), c);
        String r1 = b.add("relu1", new ReLU(), f1);
        String f2 = b.add("flat2", new org.lrp4j.layers.Flatten(), c);
        String s1 = b.add("add1", new Add(), r1, f2);
        String id = b.add("id", new Identity(), s1);
        String r2 = b.add("relu2", new ReLU(), id);
        String s2 = b.add("add2", new Add(), r2, s1);
        b.add("relu3", new ReLU(), s2);
        Model m = b.build();
        Tensor x = Tensor.randn(new SplittableRandom(4), 1f, 3, 2, 4, 4);
        Tensor expected = m.forward(Variable.constant(x), ForwardContext.inference()).value();
        assertThat(m.predict(x).toArray()).isEqualTo(expected.toArray());
        // a model whose input goes straight into a ReLU: the caller's tensor is not written over
        Model direct = ModelBuilder.create("direct").input("x", 5).then(new ReLU()).build();
        Tensor v = Tensor.randn(new SplittableRandom(5), 1f, 2, 5);
        float[] vBefore = v.toArray();
        direct.predict(v);
        assertThat(v.toArray()).isEqualTo(vBefore);
    }
}
