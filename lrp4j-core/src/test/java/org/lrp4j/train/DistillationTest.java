package org.lrp4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.data.Dataset;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.layers.Linear;
import org.lrp4j.lrp.EpsilonRelevance;
import org.lrp4j.tensor.Tensor;

class DistillationTest {
    static final List<String> CLASSES = List.of("a", "b", "c", "d");

    static Model net(long seed, int hidden) {
        return Architectures.cnn(3, 8, 4, 3, 4, hidden, new SplittableRandom(seed));
    }

    static Dataset data(long seed, int n) {
        Tensor x = Tensor.randn(new SplittableRandom(seed), 1f, n, 3, 8, 8);
        return new Dataset("noise", x, new int[n], CLASSES);
    }

    /** The model with its parameters (in namedParameters order) replaced by {@code p}. */
    static Model withParameters(Model m, Variable[] p) {
        List<String> names = new ArrayList<>(m.namedParameters().keySet());
        return m.mapNodes(n -> {
            Map<String, Variable> mine = new java.util.LinkedHashMap<>();
            n.layer().parameters().keySet().forEach(k -> mine.put(k, p[names.indexOf(n.name() + "." + k)]));
            return mine.isEmpty() ? n : n.withLayer(n.layer().withParameters(mine));
        });
    }

    @Test
    void teaLossGradientMatchesFiniteDifferencesInEveryWeight() {
        Model teacher = net(1, 5);
        Model student = net(2, 5);
        Tensor x = Tensor.randn(new SplittableRandom(3), 1f, 3, 3, 8, 8);
        int[] targets = {0, 2, 3};
        float[] eps = {0.05f, 0.5f, 0.1f};
        Tensor th = EpsilonRelevance.relevance(teacher, Variable.constant(x), targets, eps).relevance().value();
        Variable[] p = student.parameters().stream().map(v -> Variable.parameter(v.value().copy()))
                .toArray(Variable[]::new);
        java.util.function.Function<Variable[], Float> loss = q -> TeaLoss.of(EpsilonRelevance.relevance(
                withParameters(student, q), Variable.constant(x), targets, eps).relevance(), th).value().item();
        TeaLoss.of(EpsilonRelevance.relevance(withParameters(student, p), Variable.constant(x), targets, eps)
                .relevance(), th).backward();
        // central differences with a small step: the normalised heatmaps curve fast near ReLU and stabilizer kinks,
        // so the usual float step 1e-2 lands on the other side of one for some weights
        double h = 1e-3;
        SplittableRandom rng = new SplittableRandom(4);
        for (int i = 0; i < p.length; i++) {
            for (int probe = 0; probe < 12; probe++) {
                int el = rng.nextInt(p[i].value().size());
                double[] v = new double[2];
                for (int side = 0; side < 2; side++) {
                    Variable[] q = new Variable[p.length];
                    for (int k = 0; k < p.length; k++) {
                        Tensor t = p[k].value().copy();
                        if (k == i) {
                            t.setFlat(el, (float) (t.getFlat(el) + (side == 0 ? h : -h)));
                        }
                        q[k] = Variable.constant(t);
                    }
                    v[side] = loss.apply(q);
                }
                double numeric = (v[0] - v[1]) / (2 * h);
                double analytic = p[i].grad().getFlat(el);
                assertThat(analytic).as("parameter %d element %d", i, el)
                        .isCloseTo(numeric, org.assertj.core.data.Offset.offset(0.05 * Math.max(0.1, Math.abs(numeric))));
            }
        }
    }

    @Test
    void teaLossIsZeroForTheTeachersOwnHeatmapAndScaleFree() {
        Model teacher = net(1, 5);
        Tensor x = Tensor.randn(new SplittableRandom(4), 1f, 2, 3, 8, 8);
        Tensor th = EpsilonRelevance.relevance(teacher, Variable.constant(x), new int[] {1, 2},
                new float[] {0.1f, 0.1f}).relevance().value();
        assertThat(TeaLoss.of(Variable.constant(th), th).value().item()).isCloseTo(0f,
                org.assertj.core.data.Offset.offset(1e-6f));
        float doubled = TeaLoss.of(Variable.constant(th.mul(2f)), th).value().item();
        float tripled = TeaLoss.of(Variable.constant(th.mul(3f)), th.mul(1.5f)).value().item();
        assertThat(doubled).isCloseTo(tripled, org.assertj.core.data.Offset.offset(1e-5f)).isGreaterThan(0f);
    }

    @Test
    void theStudentHeadIsAFrozenCopyOfTheTeachersLastGemmWithAnAdapterIfWidthsDiffer() {
        Model teacher = net(1, 5);
        Model same = Distillation.withTeacherHead(net(2, 5), teacher);
        Model narrow = Distillation.withTeacherHead(net(2, 7), teacher);
        Linear head = (Linear) teacher.nodes().get(teacher.nodes().size() - 1).layer();
        for (Model s : List.of(same, narrow)) {
            Linear copy = (Linear) s.nodes().get(s.nodes().size() - 1).layer();
            assertThat(copy.weight().value().toArray()).containsExactly(head.weight().value().toArray());
            assertThat(copy.weight().requiresGrad()).isFalse();
            assertThat(Distillation.trainable(s)).doesNotContain(copy.weight(), copy.bias());
        }
        assertThat(narrow.nodes()).hasSize(same.nodes().size() + 1);
        assertThat(Distillation.trainable(narrow)).hasSize(Distillation.trainable(same).size() + 2);
        Tensor x = data(5, 2).images();
        assertThat(narrow.predict(x).dims()).containsExactly(2, 4);
    }

    @Test
    void withoutBiasesDropsTheTrainableBiasesOnlyAndThenTheHeatmapSumsToTheScore() {
        Model teacher = net(1, 5);
        Model s = Distillation.withoutBiases(Distillation.withTeacherHead(net(2, 5), teacher));
        assertThat(Distillation.trainable(s)).hasSize(3);
        Linear head = (Linear) s.nodes().get(s.nodes().size() - 1).layer();
        assertThat(head.bias()).isNotNull();
        // LRP-0 conserves exactly without biases: the heatmap sums to the score minus the frozen head's bias
        Model bare = Distillation.withoutBiases(net(3, 5));
        Tensor x = data(9, 2).images();
        Tensor logits = bare.predict(x);
        Tensor r = EpsilonRelevance.relevance(bare, Variable.constant(x), new int[] {1, 2}, new float[2]).relevance()
                .value();
        for (int i = 0; i < 2; i++) {
            double sum = 0;
            for (int j = 0; j < 3 * 8 * 8; j++) {
                sum += r.getFlat(i * 192 + j);
            }
            assertThat(sum).isCloseTo(logits.get(i, i + 1), org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void aShortRunLowersTheValidationTeaLoss() {
        Model teacher = net(1, 6);
        Model student = Distillation.withTeacherHead(net(2, 6), teacher);
        Dataset train = data(6, 256);
        Dataset val = data(7, 64);
        Distillation.Config c = Distillation.Config.tea(4, 16, 0.05f, 1);
        double before = Distillation.validate(Distillation.Method.TEA, teacher, student, val, c).loss();
        Distillation.Result r = Distillation.fit(Distillation.Method.TEA, teacher, student, train, val, c,
                ProgressListener.NONE);
        double after = Distillation.validate(Distillation.Method.TEA, teacher, student, val, c).loss();
        assertThat(after).isEqualTo(r.bestValidationLoss()).isLessThan(0.8 * before);
        assertThat(r.epochs()).hasSize(4);
        assertThat(r.epochs().get(3).trainLoss()).isLessThan(r.epochs().get(0).trainLoss());
    }

    @Test
    void aTeacherThatDoesNotFitTheDataIsRefusedInOneLine() {
        Dataset colour = data(1, 8);
        Model grey = Architectures.cnn(1, 8, 4, 3, 4, 5, new SplittableRandom(1));
        Model tenClasses = Architectures.cnn(3, 8, 10, 3, 4, 5, new SplittableRandom(1));
        Distillation.Config c = Distillation.Config.tea(1, 4, 0.01f, 1);
        assertThatThrownBy(() -> Distillation.fit(Distillation.Method.TEA, grey, net(2, 5), colour, colour, c,
                ProgressListener.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("teacher").hasMessageContaining("[1, 8, 8]").hasMessageContaining("[3, 8, 8]")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> Distillation.fit(Distillation.Method.TEA, tenClasses, net(2, 5), colour, colour, c,
                ProgressListener.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gives 10 class scores").hasMessageContaining("4 classes");
    }

    @Test
    void explainedClassIsTheTopClassHalfTheTimeOtherwiseUniformOther() {
        int n = 20000;
        int[] top = new int[n];
        for (int i = 0; i < n; i++) {
            top[i] = i % 10;
        }
        int[] c = Distillation.explainedClasses(top, 10, new SplittableRandom(1));
        int same = 0;
        int[] offset = new int[10];
        for (int i = 0; i < n; i++) {
            same += c[i] == top[i] ? 1 : 0;
            offset[(c[i] - top[i] + 10) % 10]++;
        }
        assertThat(same / (double) n).isBetween(0.48, 0.52);
        for (int k = 1; k < 10; k++) {
            assertThat(offset[k] / (double) n).isBetween(0.5 / 9 - 0.01, 0.5 / 9 + 0.01);
        }
        float[] e = Distillation.epsilons(n, 0.01f, 0.1f, new SplittableRandom(2));
        int below = 0;
        for (float v : e) {
            assertThat(v).isBetween(0.01f, 0.1f);
            below += v < (float) Math.sqrt(0.001) ? 1 : 0;
        }
        assertThat(below / (double) n).as("log-uniform: half below the geometric mean").isBetween(0.48, 0.52);
    }
}
