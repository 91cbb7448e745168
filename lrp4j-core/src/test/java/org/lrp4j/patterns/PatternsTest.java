package org.lrp4j.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.graph.Model;
import org.lrp4j.io.NpyArray;
import org.lrp4j.io.Npz;
import org.lrp4j.tensor.Tensor;

/** Patterns on disk: a round trip, and every wrong file refused with one line naming the fix. */
class PatternsTest {
    @TempDir
    Path dir;

    private static Patterns fitted(Model m) {
        return new PatternFit(m, false).add(Tensor.randn(new SplittableRandom(2), 1f, 20, 2, 7, 7)).patterns();
    }

    @Test
    void savedPatternsLoadBackUnchangedForTheSameModel() throws Exception {
        Model m = PatternStatisticsTest.net(1);
        Patterns p = fitted(m);
        Path f = dir.resolve("p.npz");
        p.save(f);
        Patterns back = Patterns.load(f, m);
        assertThat(back.modelHash()).isEqualTo(p.modelHash()).isEqualTo(Patterns.modelHash(m));
        assertThat(back.nodes().keySet()).containsExactlyElementsOf(p.nodes().keySet());
        for (Patterns.NodePatterns n : p.nodes().values()) {
            Patterns.NodePatterns b = back.nodes().get(n.node());
            assertThat(b.rectified()).isEqualTo(n.rectified());
            assertThat(b.a().maxAbsDiff(n.a())).isZero();
            if (n.rectified()) {
                assertThat(b.aPlus().maxAbsDiff(n.aPlus())).isZero();
                assertThat(b.aMinus().maxAbsDiff(n.aMinus())).isZero();
            }
        }
    }

    @Test
    void patternsOfAnotherModelAreRefused() throws Exception {
        Path f = dir.resolve("p.npz");
        fitted(PatternStatisticsTest.net(1)).save(f);
        assertThatThrownBy(() -> Patterns.load(f, PatternStatisticsTest.net(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds patterns of another model").hasMessageContaining("lrp4j patterns fit");
    }

    @Test
    void aFileWithoutTheModelHashIsNotAPatternsFile() throws Exception {
        Path f = dir.resolve("other.npz");
        Npz.write(f, Map.of("x", Tensor.ones(2)));
        assertThatThrownBy(() -> Patterns.load(f, PatternStatisticsTest.net(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("holds no patterns");
    }

    @Test
    void aPatternOfTheWrongShapeOrAMissingOneIsNamed() throws Exception {
        Model m = PatternStatisticsTest.net(1);
        Patterns p = fitted(m);
        String node = p.nodes().keySet().iterator().next();
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        byte[] hash = p.modelHash().getBytes(StandardCharsets.US_ASCII);
        arrays.put(Patterns.HASH_KEY, NpyArray.ofUInt8(new int[] {hash.length}, hash));
        arrays.put(node + ".a", NpyArray.of(Tensor.ones(3, 5)));
        Path f = dir.resolve("bad.npz");
        Npz.writeArrays(f, arrays, false);
        assertThatThrownBy(() -> Patterns.load(f, m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pattern '" + node + ".a' has shape [3, 5]");
        arrays.remove(node + ".a");
        Npz.writeArrays(f, arrays, false);
        assertThatThrownBy(() -> Patterns.load(f, m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no pattern '" + node + ".a'");
    }
}
