package org.lrp4j.svm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.BufferedReader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import libsvm.svm;
import libsvm.svm_model;
import libsvm.svm_node;
import libsvm.svm_parameter;
import libsvm.svm_problem;

class LibsvmFormatTest {

    @TempDir
    Path dir;

    /** Trains with LIBSVM's own kernels (not lrp4j's precomputed route) and saves with svm_save_model. */
    private static svm_model libsvmTrain(Fixtures.Data d, int kernel) {
        svm_problem prob = new svm_problem();
        prob.l = d.x().length;
        prob.x = new svm_node[prob.l][];
        prob.y = new double[prob.l];
        for (int i = 0; i < prob.l; i++) {
            prob.x[i] = nodes(d.x()[i]);
            // labels as a user might have them: not 0..k-1, first seen not the smallest
            prob.y[i] = d.y()[i] == 0 ? 7 : d.y()[i] == 1 ? -1 : 3;
        }
        svm_parameter p = new svm_parameter();
        p.svm_type = svm_parameter.C_SVC;
        p.kernel_type = kernel;
        p.gamma = 0.4;
        p.C = 2;
        p.eps = 1e-3;
        p.cache_size = 20;
        p.shrinking = 1;
        p.weight_label = new int[0];
        p.weight = new double[0];
        svm.svm_set_print_string_function(s -> { });
        return svm.svm_train(prob, p);
    }

    private static svm_node[] nodes(double[] x) {
        svm_node[] n = new svm_node[x.length];
        for (int j = 0; j < x.length; j++) {
            n[j] = new svm_node();
            n[j].index = j + 1;
            n[j].value = x[j];
        }
        return n;
    }

    @ParameterizedTest(name = "{0} kernel, {1} classes")
    @CsvSource({"rbf, 2", "rbf, 3", "linear, 2", "linear, 3"})
    void aModelWrittenByLibsvmsOwnTrainerLoadsAndGivesTheSameDecisionValues(String kernel, int classes)
            throws Exception {
        Fixtures.Data d = Fixtures.blobs(120, 5, classes, 21);
        svm_model lib = libsvmTrain(d, kernel.equals("rbf") ? svm_parameter.RBF : svm_parameter.LINEAR);
        Path file = dir.resolve("m.model");
        svm.svm_save_model(file.toString(), lib);
        SvmModel ours;
        try (BufferedReader r = Files.newBufferedReader(file)) {
            ours = LibsvmFormat.read(r, file.toString(), 0);
        }
        assertThat(ours.classes()).isEqualTo(classes);
        int pairs = classes * (classes - 1) / 2;
        for (int i = 0; i < 20; i++) {
            double[] x = Fixtures.point(5, 300 + i);
            double[] expected = new double[pairs];
            double label = svm.svm_predict_values(lib, nodes(x), expected);
            double[] got = ours.decisionValues(x);
            for (int p = 0; p < pairs; p++) {
                assertThat(got[p]).isCloseTo(expected[p], within(1e-9 * Math.max(1, Math.abs(expected[p]))));
            }
            assertThat(ours.predict(x)).isEqualTo((int) label);
        }
        // and lrp4j's writer gives a file LIBSVM loads back to the same function
        StringWriter w = new StringWriter();
        LibsvmFormat.write(ours, w);
        svm_model again = svm.svm_load_model(new BufferedReader(new StringReader(w.toString())));
        double[] x = Fixtures.point(5, 999);
        double[] a = new double[pairs];
        svm.svm_predict_values(again, nodes(x), a);
        assertThat(a).containsExactly(ours.decisionValues(x), within(1e-12));
    }

    private static String binary(String svmType, String kernel) {
        return "svm_type " + svmType + "\nkernel_type " + kernel + "\ngamma 0.5\nnr_class 2\ntotal_sv 2\nrho 0.1\n"
                + "label 1 -1\nnr_sv 1 1\nSV\n1 1:0.5 3:1\n-1 2:0.25\n";
    }

    private static SvmModel parse(String text) throws Exception {
        return LibsvmFormat.read(new BufferedReader(new StringReader(text)), "m.model", 0);
    }

    @Test
    void aHandWrittenBinaryModelHasTheDecisionOfItsFormula() throws Exception {
        SvmModel m = parse(binary("c_svc", "rbf"));
        assertThat(m.width()).isEqualTo(3);
        double[] x = {0.5, 0, 0};
        // f = 1 * exp(-0.5 * 1) - 1 * exp(-0.5 * (0.25 + 0.0625)) - 0.1
        double f = Math.exp(-0.5) - Math.exp(-0.5 * 0.3125) - 0.1;
        assertThat(m.decisionValues(x)[0]).isCloseTo(f, within(1e-12));
        assertThat(m.scores(x)[m.columnOf(1)]).isCloseTo(f, within(1e-12));
    }

    @Test
    void badFilesAreRefusedWithOneLineNamingTheProblem() {
        assertThatThrownBy(() -> parse(binary("epsilon_svr", "rbf"))).isInstanceOf(SvmFormatException.class)
                .hasMessageContaining("unsupported svm_type 'epsilon_svr'");
        assertThatThrownBy(() -> parse(binary("c_svc", "polynomial"))).isInstanceOf(SvmFormatException.class)
                .hasMessageContaining("unsupported kernel_type 'polynomial'");
        assertThatThrownBy(() -> parse(binary("c_svc", "rbf").replace("nr_class 2", "nr_klass 2")))
                .hasMessageContaining("unknown header 'nr_klass'");
        assertThatThrownBy(() -> parse(binary("c_svc", "rbf").replace("-1 2:0.25\n", "")))
                .hasMessageContaining("total_sv is 2 but the file has 1 support vectors");
        assertThatThrownBy(() -> parse(binary("c_svc", "rbf").replace("3:1", "3:x")))
                .hasMessageContaining("line 10").hasMessageContaining("not a number");
        assertThatThrownBy(() -> parse(binary("c_svc", "rbf").replace("1 1:0.5 3:1", "1 0:1 1:0.5")))
                .hasMessageContaining("precomputed");
        for (String bad : new String[] {binary("c_svc", "rbf").replace("3:1", "3:x"),
            binary("epsilon_svr", "rbf")}) {
            assertThatThrownBy(() -> parse(bad)).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void featuresOfTheWrongWidthAreRefused() throws Exception {
        SvmModel m = parse(binary("c_svc", "linear"));
        assertThatThrownBy(() -> SvmRelevance.explain(m, new double[2], 0, SvmExplanation.BiasShare.NONE))
                .hasMessageContaining("features of width 2").hasMessageContaining("width 3");
    }
}
