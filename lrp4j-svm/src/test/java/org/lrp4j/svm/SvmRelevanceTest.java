package org.lrp4j.svm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class SvmRelevanceTest {

    @ParameterizedTest
    @ValueSource(strings = {"linear", "hik", "chi2"})
    void additiveKernelsConserveTheDecisionExactlyWithTheBiasApartOrShared(String kernel) {
        Fixtures.Data d = Fixtures.blobs(90, 7, 3, 1);
        SvmModel m = SvmTrainer.train(d.x(), d.y(), Kernel.parse(kernel, 1), 1, 1e-3, null);
        for (int i = 0; i < 5; i++) {
            double[] x = Fixtures.point(7, 100 + i);
            for (int c = 0; c < m.classes(); c++) {
                SvmExplanation e = SvmRelevance.explain(m, x, c, SvmExplanation.BiasShare.NONE);
                assertThat(e.method()).isEqualTo(SvmExplanation.Method.DECOMPOSITION);
                assertThat(e.bias()).isEqualTo(m.bias(c));
                assertThat(e.relevanceSum() + e.bias()).isCloseTo(e.decision(), within(1e-10));
                assertThat(e.decision()).isCloseTo(m.scores(x)[c], within(1e-12));
                SvmExplanation shared = SvmRelevance.explain(m, x, c, SvmExplanation.BiasShare.EQUAL);
                assertThat(shared.bias()).isZero();
                assertThat(shared.relevanceSum()).isCloseTo(e.decision(), within(1e-10));
                assertThat(shared.relevance()[3] - e.relevance()[3]).isCloseTo(m.bias(c) / 7, within(1e-12));
            }
        }
    }

    @Test
    void linearRelevanceIsTheWeightVectorTimesTheInput() {
        Fixtures.Data d = Fixtures.blobs(60, 5, 2, 2);
        SvmModel m = SvmTrainer.train(d.x(), d.y(), new Kernel.Linear(), 1, 1e-3, null);
        double[] w = new double[5];
        double[] ws = m.weights(0);
        for (int s = 0; s < ws.length; s++) {
            double[] u = m.supportVector(s);
            for (int j = 0; j < 5; j++) {
                w[j] += ws[s] * u[j];
            }
        }
        double[] x = Fixtures.point(5, 9);
        double[] r = SvmRelevance.explain(m, x, 0, SvmExplanation.BiasShare.NONE).relevance();
        for (int j = 0; j < 5; j++) {
            assertThat(r[j]).isCloseTo(w[j] * x[j], within(1e-12));
        }
    }

    @Test
    void theBinaryScoresAreLibsvmsDecisionValueAndItsNegative() {
        Fixtures.Data d = Fixtures.blobs(40, 4, 2, 3);
        SvmModel m = SvmTrainer.train(d.x(), d.y(), new Kernel.Intersection(), 1, 1e-3, null);
        double[] x = Fixtures.point(4, 4);
        double dec = m.decisionValues(x)[0];
        int first = m.columnOf(m.labels()[0]);
        assertThat(m.scores(x)[first]).isCloseTo(dec, within(1e-12));
        assertThat(m.scores(x)[1 - first]).isCloseTo(-dec, within(1e-12));
    }

    @Test
    void rbfIsExplainedByTaylorAtARootAndTheIdentityHolds() {
        Fixtures.Data d = Fixtures.blobs(80, 6, 2, 5);
        SvmModel m = SvmTrainer.train(d.x(), d.y(), new Kernel.Rbf(0.5), 1, 1e-3, null);
        double[] x = Fixtures.point(6, 11);
        SvmExplanation e = SvmRelevance.explain(m, x, 0, SvmExplanation.BiasShare.NONE);
        assertThat(e.method()).isEqualTo(SvmExplanation.Method.TAYLOR);
        assertThat(Math.abs(e.rootValue())).isLessThan(1e-8 * Math.max(1, Math.abs(e.decision())));
        assertThat(e.relevanceSum() + e.rootValue() + e.remainder()).isCloseTo(e.decision(), within(1e-10));
        assertThat(e.bias()).isEqualTo(m.bias(0));
    }

    @Test
    void theTaylorRemainderShrinksAsTheRootNearsX() {
        Fixtures.Data d = Fixtures.blobs(80, 6, 2, 5);
        SvmModel m = SvmTrainer.train(d.x(), d.y(), new Kernel.Rbf(0.5), 1, 1e-3, null);
        double[] x = Fixtures.point(6, 12);
        double[] root = SvmRelevance.root(m, x, 0);
        double previous = Double.POSITIVE_INFINITY;
        double[] remainders = new double[5];
        for (int k = 0; k < 5; k++) {
            double s = Math.pow(0.5, k);
            double[] x0 = new double[6];
            for (int j = 0; j < 6; j++) {
                x0[j] = x[j] + s * (root[j] - x[j]);
            }
            SvmExplanation e = SvmRelevance.taylorAt(m, x, 0, x0);
            remainders[k] = Math.abs(e.remainder());
            assertThat(remainders[k]).isLessThan(previous);
            previous = remainders[k];
        }
        // second order: halving the distance quarters the remainder (for small distances)
        assertThat(remainders[4] / remainders[3]).isBetween(0.15, 0.35);
    }
}
