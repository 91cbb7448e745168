package org.lrp4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

    @TempDir
    Path dir;

    static byte[] idx(int type, int[] dims, byte[] values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt((type << 8) | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(values);
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    @Test
    void readsPlainAndGzippedFilesAlike() throws Exception {
        byte[] raw = idx(0x08, new int[] {2, 2, 3}, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, (byte) 255});
        Files.write(dir.resolve("plain"), raw);
        Files.write(dir.resolve("zipped"), gzip(raw));
        for (String name : new String[] {"plain", "zipped"}) {
            Idx.UByteArray a = Idx.read(dir.resolve(name));
            assertThat(a.dims()).containsExactly(2, 2, 3);
            assertThat(a.get(11)).isEqualTo(255);
            assertThat(a.get(4)).isEqualTo(4);
        }
    }

    @Test
    void truncatedFilesAreReportedAsTruncated() throws Exception {
        byte[] raw = idx(0x08, new int[] {10, 28, 28}, new byte[100]);
        Files.write(dir.resolve("short.gz"), gzip(raw));
        assertThatThrownBy(() -> Idx.read(dir.resolve("short.gz"))).isInstanceOf(DatasetException.class)
                .hasMessageContaining("short.gz").hasMessageContaining("truncated");
    }

    @Test
    void nonIdxFilesAndOtherTypesAreRejected() throws Exception {
        Files.writeString(dir.resolve("text"), "hello world, not an idx file");
        assertThatThrownBy(() -> Idx.read(dir.resolve("text"))).isInstanceOf(DatasetException.class)
                .hasMessageContaining("not an IDX file");
        Files.write(dir.resolve("floats"), idx(0x0D, new int[] {1}, new byte[4]));
        assertThatThrownBy(() -> Idx.read(dir.resolve("floats"))).hasMessageContaining("0xd")
                .hasMessageContaining("unsigned bytes");
        Files.write(dir.resolve("huge"), idx(0x08, new int[] {1 << 20, 1 << 20}, new byte[0]));
        assertThatThrownBy(() -> Idx.read(dir.resolve("huge"))).hasMessageContaining("more than");
        assertThatThrownBy(() -> Idx.read(dir.resolve("absent"))).hasMessageContaining("not found")
                .hasMessageContaining("absent");
    }

    @Test
    void missingDatasetNamesTheExpectedFilesAndThePackage() {
        assertThatThrownBy(() -> FashionMnist.load(dir, FashionMnist.Split.TEST))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining(dir.resolve("t10k-images-idx3-ubyte.gz").toString())
                .hasMessageContaining("apt-get install dataset-fashion-mnist");
    }

    @Test
    void loadsASyntheticDatasetWithTheStandardNormalisation() throws Exception {
        byte[] pixels = new byte[2 * 2 * 2];
        pixels[0] = (byte) 255;
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(0x08, new int[] {2, 2, 2}, pixels));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(idx(0x08, new int[] {2}, new byte[] {9, 0})));
        Dataset d = FashionMnist.load(dir, FashionMnist.Split.TEST);
        assertThat(d.images().dims()).containsExactly(2, 1, 2, 2);
        assertThat(d.labels()).containsExactly(9, 0);
        assertThat(d.images().getFlat(0)).isCloseTo((1f - 0.2860f) / 0.3530f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(d.images().getFlat(1)).isCloseTo(-0.2860f / 0.3530f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(d.classNames().get(9)).isEqualTo("Ankle boot");
    }

    @Test
    void labelCountMustMatchImageCount() throws Exception {
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), idx(0x08, new int[] {2, 2, 2}, new byte[8]));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(0x08, new int[] {3}, new byte[3]));
        assertThatThrownBy(() -> FashionMnist.load(dir, FashionMnist.Split.TEST))
                .hasMessageContaining("t10k-labels-idx1-ubyte").hasMessageContaining("expected 2 labels");
    }
}
