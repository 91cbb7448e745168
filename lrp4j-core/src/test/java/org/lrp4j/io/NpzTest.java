package org.lrp4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.tensor.Tensor;

class NpzTest {
    @TempDir
    Path tmp;

    static Path resource(String name) throws URISyntaxException {
        return Path.of(NpzTest.class.getResource("/npy/" + name).toURI());
    }

    static Map<String, Tensor> tensors() {
        SplittableRandom r = new SplittableRandom(3);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("weight", Tensor.rand(r, -1f, 1f, 4, 3));
        m.put("bias", Tensor.rand(r, -1f, 1f, 4));
        m.put("scalar", Tensor.scalar(2.5f));
        m.put("empty", Tensor.zeros(0, 7));
        m.put("layers/0/kernel", Tensor.rand(r, -1f, 1f, 2, 1, 3, 3));
        return m;
    }

    static List<Integer> methods(Path p) throws IOException {
        try (ZipFile z = new ZipFile(p.toFile())) {
            return Collections.list(z.entries()).stream().map(ZipEntry::getMethod).toList();
        }
    }

    static void assertSameTensors(Map<String, Tensor> actual, Map<String, Tensor> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String k : expected.keySet()) {
            assertThat(actual.get(k).dims()).as(k).containsExactly(expected.get(k).dims());
            assertThat(actual.get(k).toArray()).as(k).containsExactly(expected.get(k).toArray());
        }
    }

    @Test
    void writeThenReadStored() throws IOException {
        Path p = tmp.resolve("m.npz");
        Map<String, Tensor> in = tensors();
        Npz.write(p, in);
        assertThat(methods(p)).containsOnly(ZipEntry.STORED).hasSize(5);
        assertSameTensors(Npz.readTensors(p), in);
        LinkedHashMap<String, NpyArray> arrays = Npz.read(p);
        assertThat(arrays.get("scalar").shape()).isEmpty();
        assertThat(arrays.get("weight").dtype()).isEqualTo("<f4");
        // each entry is exactly what Npy.write produces
        try (ZipFile z = new ZipFile(p.toFile())) {
            Path single = tmp.resolve("w.npy");
            Npy.write(single, in.get("weight"));
            assertThat(z.getInputStream(z.getEntry("weight.npy")).readAllBytes())
                    .isEqualTo(Files.readAllBytes(single));
        }
    }

    @Test
    void writeThenReadCompressed() throws IOException {
        Path p = tmp.resolve("m.npz");
        Map<String, Tensor> in = tensors();
        Npz.writeCompressed(p, in);
        assertThat(methods(p)).containsOnly(ZipEntry.DEFLATED);
        assertSameTensors(Npz.readTensors(p), in);
    }

    @Test
    void writeArraysOfEveryDtype() throws IOException {
        Map<String, NpyArray> in = new LinkedHashMap<>();
        for (String d : NpyTest.DTYPES) {
            in.put("a" + d.substring(1), NpyTest.sample(d, new int[] {2, 3}));
        }
        for (boolean compressed : new boolean[] {false, true}) {
            Path p = tmp.resolve("all" + compressed + ".npz");
            Npz.writeArrays(p, in, compressed);
            LinkedHashMap<String, NpyArray> out = Npz.read(p);
            assertThat(out).containsExactlyEntriesOf(in);
        }
        assertThatThrownBy(() -> Npz.writeArrays(tmp.resolve("x.npz"), Map.of("", in.get("af4")), false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A zip written directly with java.util.zip, with a non-.npy entry and a directory, which are skipped. */
    private Path handWrittenZip(boolean deflate, Map<String, byte[]> entries) throws IOException {
        Path p = tmp.resolve(deflate ? "deflated.npz" : "stored.npz");
        try (OutputStream f = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(f)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                byte[] b = e.getValue();
                if (deflate) {
                    entry.setMethod(ZipEntry.DEFLATED);
                } else {
                    CRC32 crc = new CRC32();
                    crc.update(b);
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(b.length);
                    entry.setCompressedSize(b.length);
                    entry.setCrc(crc.getValue());
                }
                z.putNextEntry(entry);
                z.write(b);
                z.closeEntry();
            }
        }
        return p;
    }

    private static byte[] npyBytes(NpyArray a) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, a);
        return out.toByteArray();
    }

    @Test
    void readsStoredAndDeflatedZipsAndSkipsNonNpyEntries() throws IOException {
        NpyArray x = NpyArray.ofFloat32(new int[] {2, 2}, new float[] {1, 2, 3, 4});
        NpyArray y = NpyArray.ofInt64(new int[] {3}, new long[] {7, 8, 9});
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("README.txt", "not an array".getBytes(StandardCharsets.US_ASCII));
        entries.put("x.npy", npyBytes(x));
        entries.put("sub/", new byte[0]);
        entries.put("sub/y.npy", npyBytes(y));
        entries.put("notes.npy.bak", new byte[] {1, 2, 3});
        for (boolean deflate : new boolean[] {false, true}) {
            Path p = handWrittenZip(deflate, entries);
            assertThat(methods(p)).contains(deflate ? ZipEntry.DEFLATED : ZipEntry.STORED);
            LinkedHashMap<String, NpyArray> m = Npz.read(p);
            assertThat(new ArrayList<>(m.keySet())).containsExactly("x", "sub/y");
            assertThat(m.get("x")).isEqualTo(x);
            assertThat(m.get("sub/y").toLongArray()).containsExactly(7, 8, 9);
        }
    }

    @Test
    void readsNumpyWrittenArchives() throws Exception {
        LinkedHashMap<String, NpyArray> m = Npz.read(resource("numpy_savez.npz"));
        assertThat(new ArrayList<>(m.keySet())).containsExactly("a", "labels", "mask");
        assertThat(m.get("a").shape()).containsExactly(2, 3);
        assertThat(m.get("a").toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(m.get("labels").toLongArray()).containsExactly(3, 1, 4);
        assertThat(m.get("mask").toBooleanArray()).containsExactly(true, false);

        LinkedHashMap<String, NpyArray> c = Npz.read(resource("numpy_savez_compressed.npz"));
        assertThat(new ArrayList<>(c.keySet())).containsExactly("w", "s");
        assertThat(c.get("w").dtype()).isEqualTo("<f8");
        assertThat(c.get("w").shape()).containsExactly(3, 4);
        double[] w = c.get("w").toDoubleArray();
        assertThat(w[0]).isEqualTo(-1.0);
        assertThat(w[5]).isEqualTo(-0.09090909090909083);
        assertThat(w[11]).isEqualTo(1.0);
        assertThat(c.get("s").shape()).isEmpty();
        assertThat(c.get("s").toTensor().item()).isEqualTo(2.5f);
    }

    @Test
    void errors() throws Exception {
        Path missing = tmp.resolve("missing.npz");
        assertThatThrownBy(() -> Npz.read(missing)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString());

        Path garbage = tmp.resolve("garbage.npz");
        Files.write(garbage, "definitely not a zip file".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Npz.read(garbage)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(garbage.toString()).hasMessageContaining("not an NPZ (zip) file");

        assertThatThrownBy(() -> Npz.read(resource("logits.npy"))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("it is an .npy file: read it with Npy.read");

        // a truncated archive has no central directory
        Path full = tmp.resolve("full.npz");
        Npz.write(full, tensors());
        byte[] bytes = Files.readAllBytes(full);
        Path cut = tmp.resolve("cut.npz");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> Npz.read(cut)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("not an NPZ (zip) file");

        // a bad entry is reported with the archive and entry names
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("good.npy", npyBytes(NpyArray.ofFloat32(new int[] {1}, new float[] {1})));
        entries.put("bad.npy", NpyTest.npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                new byte[4]));
        Path p = handWrittenZip(true, entries);
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(p + "!bad.npy").hasMessageContaining("big-endian");
    }
}
