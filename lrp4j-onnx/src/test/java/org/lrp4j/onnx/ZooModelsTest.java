package org.lrp4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * Real-world exports (torchvision via PyTorch 1.13, random weights) from the shared model zoo: $LRP4J_ZOO if set,
 * else shared/zoo beside the repository. Skipped with a NOTICE when the zoo is absent.
 */
class ZooModelsTest {

    static Path zoo() {
        String env = System.getenv("LRP4J_ZOO");
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        for (String c : new String[] {"../../shared/zoo", "../shared/zoo"}) {
            Path p = Path.of(c);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"squeezenet1_1", "mobilenet_v2", "resnet18", "alexnet_lrn_small"})
    void matchesOrtAndLogits(String name) throws Exception {
        Path z = zoo();
        Path d = z == null ? null : z.resolve(name);
        if (d == null || !Files.isRegularFile(d.resolve("model.onnx"))) {
            System.err.println("NOTICE: zoo model '" + name + "' not found ($LRP4J_ZOO or ../shared/zoo); skipping");
            Assumptions.abort("zoo model " + name + " not available");
        }
        Path file = d.resolve("model.onnx");
        Model m = OnnxImporter.load(file);
        String input = m.inputs().get(0).name();
        Tensor x = TestNpy.read(d.resolve("input.npy"));
        Tensor y = m.predict(x);
        double vsLogits = Ort.relDiff(y, TestNpy.read(d.resolve("logits.npy")));
        double vsOrt = Ort.relDiff(y, Ort.run(file, input, x));
        SplittableRandom rng = new SplittableRandom(name.hashCode());
        int[] dims = x.dims().clone();
        dims[0] = 1;
        Tensor r = Tensor.randn(rng, 1f, dims);
        double vsOrtRandom = Ort.relDiff(m.predict(r), Ort.run(file, input, r));
        System.err.printf("zoo %s (%d nodes): max rel diff vs logits.npy %.2e, vs ORT %.2e, random input vs ORT"
                + " %.2e%n", name, m.nodes().size(), vsLogits, vsOrt, vsOrtRandom);
        assertThat(vsLogits).isLessThan(2e-5);
        assertThat(vsOrt).isLessThan(1e-4);
        assertThat(vsOrtRandom).isLessThan(1e-4);
    }
}
