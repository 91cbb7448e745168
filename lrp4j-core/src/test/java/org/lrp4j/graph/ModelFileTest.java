package org.lrp4j.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.tensor.Tensor;

class ModelFileTest {

    @TempDir
    Path dir;

    @Test
    void saveThenLoadGivesIdenticalOutputs() throws Exception {
        Model m = Architectures.create("cnn", 1, 28, 10, 42);
        Path f = dir.resolve("m.lrp4j");
        ModelFile.save(m, new ModelFile.Header("cnn", 1, 28, 10), f);
        Model back = ModelFile.load(f);
        Tensor x = Tensor.randn(new SplittableRandom(1), 1f, 2, 1, 28, 28);
        assertThat(back.predict(x).maxAbsDiff(m.predict(x))).isZero();
        assertThat(ModelFile.header(f)).isEqualTo(new ModelFile.Header("cnn", 1, 28, 10));
    }

    @Test
    void missingTruncatedAndForeignFilesGiveClearErrors() throws Exception {
        assertThatThrownBy(() -> ModelFile.load(dir.resolve("absent.bin"))).isInstanceOf(IOException.class)
                .hasMessageContaining("not found").hasMessageContaining("absent.bin");
        Files.writeString(dir.resolve("text.bin"), "this is not a model");
        assertThatThrownBy(() -> ModelFile.load(dir.resolve("text.bin")))
                .hasMessageContaining("not an lrp4j model file");
        Model m = Architectures.create("mlp", 1, 28, 10, 1);
        Path f = dir.resolve("m.bin");
        ModelFile.save(m, new ModelFile.Header("mlp", 1, 28, 10), f);
        byte[] all = Files.readAllBytes(f);
        Files.write(dir.resolve("cut.bin"), Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> ModelFile.load(dir.resolve("cut.bin"))).hasMessageContaining("truncated");
    }

    @Test
    void aFileWhoseHeaderDisagreesWithItsTensorsIsRejected() throws Exception {
        Model m = Architectures.create("mlp", 1, 28, 10, 1);
        Path f = dir.resolve("lie.bin");
        ModelFile.save(m, new ModelFile.Header("mlp", 1, 28, 5), f);     // header says 5 classes
        assertThatThrownBy(() -> ModelFile.load(f)).isInstanceOf(IOException.class).hasMessageContaining("fc3");
    }
}
