package org.lrp4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.lrp4j.tensor.Tensor;

class NpyTest {
    @TempDir
    Path tmp;

    static final String[] DTYPES = {"<f4", "<f8", "<i8", "<i4", "|u1", "|i1", "|b1"};
    static final int[][] SHAPES = {{}, {0}, {5}, {2, 3}, {2, 0, 3}, {2, 3, 4}, {1, 2, 3, 4}, {2, 0, 1, 3}, {3, 1, 2, 2}};

    static Stream<Arguments> dtypesAndShapes() {
        List<Arguments> out = new ArrayList<>();
        for (String d : DTYPES) {
            for (int[] s : SHAPES) {
                out.add(Arguments.of(d, s));
            }
        }
        return out.stream();
    }

    static int count(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** An array of the given dtype with distinctive values, made through the typed factory. */
    static NpyArray sample(String dtype, int[] shape) {
        int n = count(shape);
        SplittableRandom r = new SplittableRandom(n * 31L + dtype.hashCode());
        return switch (dtype) {
            case "<f4" -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) r.nextDouble(-1e6, 1e6);
                }
                if (n > 2) {
                    v[0] = Float.NaN;
                    v[1] = Float.NEGATIVE_INFINITY;
                    v[2] = -0f;
                }
                yield NpyArray.ofFloat32(shape, v);
            }
            case "<f8" -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = r.nextDouble(-1e300, 1e300) * (i % 2 == 0 ? 1e-300 : 1);
                }
                yield NpyArray.ofFloat64(shape, v);
            }
            case "<i8" -> NpyArray.ofInt64(shape, r.longs(n).toArray());
            case "<i4" -> NpyArray.ofInt32(shape, r.ints(n).toArray());
            case "|u1", "|i1" -> {
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) r.nextInt();
                }
                yield dtype.equals("|u1") ? NpyArray.ofUInt8(shape, b) : NpyArray.ofInt8(shape, b);
            }
            case "|b1" -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    b[i] = r.nextBoolean();
                }
                yield NpyArray.ofBool(shape, b);
            }
            default -> throw new AssertionError(dtype);
        };
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(NpyTest.class.getResource("/npy/" + name).toURI());
    }

    /** A hand-built NPY file: magic, version, header length (2 or 4 bytes), header text, data. */
    static byte[] npy(int major, int minor, String header, byte[] data) {
        byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        int lenBytes = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lenBytes + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Npy.MAGIC).put((byte) major).put((byte) minor);
        if (lenBytes == 2) {
            b.putShort((short) h.length);
        } else {
            b.putInt(h.length);
        }
        return b.put(h).put(data).array();
    }

    static byte[] npy(String header, byte[] data) {
        return npy(1, 0, header, data);
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    static NpyArray readBytes(byte[] bytes) throws IOException {
        return Npy.read(new ByteArrayInputStream(bytes), "test.npy");
    }

    Path file(byte[] bytes) throws IOException {
        Path p = Files.createTempFile(tmp, "t", ".npy");
        Files.write(p, bytes);
        return p;
    }

    // =================================================================== round trips

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dtypesAndShapes")
    void roundTripEveryDtypeAndRank(String dtype, int[] shape) throws IOException {
        NpyArray a = sample(dtype, shape);
        Path p = tmp.resolve("a.npy");
        Npy.write(p, a);

        byte[] bytes = Files.readAllBytes(p);
        int dataStart = bytes.length - a.data().length;
        assertThat(dataStart % 64).as("data starts at a multiple of 64").isZero();
        assertThat(bytes[dataStart - 1]).isEqualTo((byte) '\n');

        NpyArray b = Npy.read(p);
        assertThat(b).isEqualTo(a);
        assertThat(b.dtype()).isEqualTo(dtype);
        assertThat(b.shape()).containsExactly(shape);
        assertThat(b.rank()).isEqualTo(shape.length);
        assertThat(b.size()).isEqualTo(count(shape));
        assertThat(b.toTensor().dims()).containsExactly(shape);
        assertThat(b.toFloatArray()).hasSize(count(shape));
        switch (dtype) {
            case "<f4" -> assertThat(b.toFloatArray()).containsExactly(a.toFloatArray());
            case "<f8" -> assertThat(b.toDoubleArray()).containsExactly(a.toDoubleArray());
            case "<i8" -> assertThat(b.toLongArray()).containsExactly(a.toLongArray());
            case "<i4" -> assertThat(b.toIntArray()).containsExactly(a.toIntArray());
            case "|b1" -> assertThat(b.toBooleanArray()).containsExactly(a.toBooleanArray());
            default -> assertThat(b.toLongArray()).containsExactly(a.toLongArray());
        }
        // the InputStream reader consumes exactly the array, whatever follows
        try (InputStream in = new ByteArrayInputStream(concat(bytes, new byte[] {42}))) {
            assertThat(Npy.read(in, "stream")).isEqualTo(a);
            assertThat(in.read()).isEqualTo(42);
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void tensorRoundTrip(int[] shape) throws IOException {
        Tensor t = Tensor.rand(new SplittableRandom(7), -3f, 3f, shape);
        Path p = tmp.resolve("t.npy");
        Npy.write(p, t);
        Tensor back = Npy.readTensor(p);
        assertThat(back.dims()).containsExactly(shape);
        assertThat(back.toArray()).containsExactly(t.toArray());
        assertThat(Npy.read(p).dtype()).isEqualTo(NpyArray.FLOAT32);
    }

    static Stream<int[]> shapes() {
        return Stream.of(SHAPES);
    }

    @Test
    void typedWritersMatchFactories() throws IOException {
        int[] s = {2, 2};
        Npy.writeFloat64(tmp.resolve("f8.npy"), s, new double[] {0.1, -2, 1e300, Double.MIN_VALUE});
        Npy.writeInt64(tmp.resolve("i8.npy"), s, new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE});
        Npy.writeInt32(tmp.resolve("i4.npy"), s, new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE});
        Npy.writeUInt8(tmp.resolve("u1.npy"), s, new byte[] {0, 1, (byte) 128, (byte) 255});
        Npy.writeBool(tmp.resolve("b1.npy"), s, new boolean[] {true, false, false, true});

        assertThat(Npy.read(tmp.resolve("f8.npy")).toDoubleArray()).containsExactly(0.1, -2, 1e300, Double.MIN_VALUE);
        assertThat(Npy.read(tmp.resolve("i8.npy")).toLongArray())
                .containsExactly(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE);
        assertThat(Npy.read(tmp.resolve("i4.npy")).toIntArray())
                .containsExactly(Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE);
        assertThat(Npy.read(tmp.resolve("u1.npy")).toIntArray()).containsExactly(0, 1, 128, 255);
        assertThat(Npy.read(tmp.resolve("b1.npy")).toBooleanArray()).containsExactly(true, false, false, true);
    }

    @Test
    void conversions() {
        NpyArray f8 = NpyArray.ofFloat64(new int[] {3}, new double[] {0.1, 1e300, -2.5});
        assertThat(f8.toFloatArray()).containsExactly(0.1f, Float.POSITIVE_INFINITY, -2.5f);
        assertThat(f8.toTensor().toArray()).containsExactly(0.1f, Float.POSITIVE_INFINITY, -2.5f);
        NpyArray u1 = NpyArray.ofUInt8(new int[] {2}, new byte[] {(byte) 200, 3});
        assertThat(u1.toFloatArray()).containsExactly(200f, 3f);
        assertThat(u1.toDoubleArray()).containsExactly(200.0, 3.0);
        NpyArray i1 = NpyArray.ofInt8(new int[] {2}, new byte[] {(byte) 200, 3});
        assertThat(i1.toLongArray()).containsExactly(-56, 3);
        NpyArray i8 = NpyArray.ofInt64(new int[] {1}, new long[] {(1L << 53) + 1});
        assertThat(i8.toDoubleArray()).containsExactly((double) (1L << 53));
        NpyArray b = NpyArray.ofBool(new int[] {}, new boolean[] {true});
        assertThat(b.toFloatArray()).containsExactly(1f);
        assertThat(b.toTensor().rank()).isZero();

        assertThatThrownBy(f8::toLongArray).isInstanceOf(IllegalStateException.class).hasMessageContaining("<f8");
        assertThatThrownBy(i8::toIntArray).isInstanceOf(IllegalStateException.class).hasMessageContaining("toLongArray");
        assertThatThrownBy(u1::toBooleanArray).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> NpyArray.ofFloat32(new int[] {2, 2}, new float[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 16 bytes");
        assertThatThrownBy(() -> new NpyArray("<f2", new int[] {1}, new byte[2]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<f2");
    }

    // =================================================================== exact NumPy bytes

    @Test
    void headerIsByteIdenticalToNumpy() throws IOException {
        // What np.save(f, np.zeros((2, 3), np.float32)) writes: 10-byte preamble, the dict, 58 spaces (NumPy's
        // 20 spare growth-axis spaces plus alignment padding) and '\n': 128 bytes, header length 118 = 0x76.
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 0x01, 0x00, 0x76, 0x00});
        expected.writeBytes(dict.getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(" ".repeat(58).getBytes(StandardCharsets.US_ASCII));
        expected.write('\n');
        byte[] data = floats(1, 2, 3, 4, 5, 6);
        expected.writeBytes(data);

        Path p = tmp.resolve("x.npy");
        Npy.write(p, Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        byte[] actual = Files.readAllBytes(p);
        assertThat(actual).hasSize(128 + 24);
        assertThat(new String(actual, 0, 128, StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(expected.toByteArray(), 0, 128, StandardCharsets.ISO_8859_1));
        assertThat(actual).isEqualTo(expected.toByteArray());
    }

    @Test
    void headerMatchesNumpyFixture() throws Exception {
        // logits.npy was written by NumPy; rewriting what we read must reproduce it byte for byte
        Path src = resource("logits.npy");
        Path p = tmp.resolve("logits.npy");
        Npy.write(p, Npy.read(src));
        assertThat(Files.readAllBytes(p)).isEqualTo(Files.readAllBytes(src));
        Npy.write(p, Npy.read(resource("input.npy")));
        assertThat(Files.readAllBytes(p)).isEqualTo(Files.readAllBytes(resource("input.npy")));
    }

    @Test
    void headerShapeReprsAndAlignment() {
        assertThat(Npy.shapeRepr(new int[] {})).isEqualTo("()");
        assertThat(Npy.shapeRepr(new int[] {3})).isEqualTo("(3,)");
        assertThat(Npy.shapeRepr(new int[] {4, 1, 28, 28})).isEqualTo("(4, 1, 28, 28)");
        String scalar = new String(Npy.header("<f8", new int[] {}), StandardCharsets.ISO_8859_1);
        assertThat(scalar).hasSize(128).contains("'shape': (), }").endsWith(" \n");
        // a header that would exceed 65535 bytes switches to version 2.0, still aligned to 64
        int[] big = new int[25000];
        java.util.Arrays.fill(big, 1);
        byte[] h = Npy.header("<f4", big);
        assertThat(h[6]).isEqualTo((byte) 2);
        assertThat(h.length % 64).isZero();
    }

    // =================================================================== real NumPy files

    @Test
    void readsNumpyWrittenConformanceFixtures() throws Exception {
        NpyArray input = Npy.read(resource("input.npy"));
        assertThat(input.dtype()).isEqualTo("<f4");
        assertThat(input.shape()).containsExactly(4, 1, 28, 28);
        Tensor x = input.toTensor();
        // reference values from np.load('input.npy')
        assertThat(x.get(0, 0, 0, 0)).isEqualTo(-0.8101983666419983f);
        assertThat(x.get(0, 0, 14, 12)).isEqualTo(0.27850914001464844f);
        assertThat(x.get(0, 0, 14, 13)).isEqualTo(0.7006610631942749f);
        assertThat(x.get(3, 0, 27, 27)).isEqualTo(-0.8101983666419983f);
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x.toArray()) {
            max = Math.max(max, v);
        }
        assertThat(max).isEqualTo(2.022662878036499f);

        Tensor logits = Npy.readTensor(resource("logits.npy"));
        assertThat(logits.dims()).containsExactly(4, 10);
        assertThat(logits.get(0, 0)).isEqualTo(-4.868520736694336f);
        assertThat(logits.get(0, 5)).isEqualTo(5.533402442932129f);
        assertThat(logits.get(0, 9)).isEqualTo(7.366583347320557f);
        assertThat(logits.get(3, 9)).isEqualTo(-5.736751556396484f);
    }

    @Test
    void readsNumpyWrittenVersion2And3() throws Exception {
        NpyArray v2 = Npy.read(resource("numpy_v2.npy"));
        assertThat(v2.dtype()).isEqualTo("<i4");
        assertThat(v2.shape()).containsExactly(2, 2);
        assertThat(v2.toIntArray()).containsExactly(0, 1, 2, 3);
        NpyArray v3 = Npy.read(resource("numpy_v3.npy"));
        assertThat(v3.dtype()).isEqualTo("<f8");
        assertThat(v3.shape()).containsExactly(5);
        assertThat(v3.toDoubleArray()).containsExactly(0, 0.25, 0.5, 0.75, 1.0);
    }

    @Test
    void readsHandBuiltVersion2And3Headers() throws IOException {
        String h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n";
        assertThat(readBytes(npy(2, 0, h, floats(1, 2))).toFloatArray()).containsExactly(1, 2);
        String utf8 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'note': 'Gr\u00fc\u00dfe \u2713'}\n";
        assertThat(readBytes(npy(3, 0, utf8, floats(3, 4))).toFloatArray()).containsExactly(3, 4);
    }

    // =================================================================== header parsing

    @ParameterizedTest
    @ValueSource(strings = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{'descr':'<f4','fortran_order':False,'shape':(2,3)}",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3,)}",
        "  {\n\t'shape' : ( 2 , 3 ) ,\n 'fortran_order' : False , 'descr' : '<f4' ,\n }  \n",
        "{'descr': u'<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
        "{'descr': '=f4', 'fortran_order': False, 'shape': [2, 3], 'extra': {'a': (None, True, -1)}}",
        "{'descr': 'float32', 'fortran_order': False, 'shape': (2, 3), }                \n",
        "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 6), }",
        "{'descr': '<f4', 'fortran_order': False, 'shape': ((2), 3), }\0\0\0",
    })
    void parsesHeaderVariants(String header) throws IOException {
        NpyArray a = readBytes(npy(header, floats(1, 2, 3, 4, 5, 6)));
        assertThat(a.dtype()).isEqualTo("<f4");
        assertThat(a.size()).isEqualTo(6);
        assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void parsesOneTuplesEmptyTuplesAndEmptyArrays() throws IOException {
        assertThat(readBytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", floats(1, 2, 3)))
                .shape()).containsExactly(3);
        NpyArray scalar = readBytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", floats(7)));
        assertThat(scalar.shape()).isEmpty();
        assertThat(scalar.toTensor().item()).isEqualTo(7f);
        NpyArray empty = readBytes(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }", new byte[0]));
        assertThat(empty.shape()).containsExactly(0, 5);
        assertThat(empty.toDoubleArray()).isEmpty();
        // a zero dimension makes even an absurd other dimension harmless
        NpyArray zero = readBytes(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 2147483647, 99), }",
                new byte[0]));
        assertThat(zero.size()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"|u1", "<u1", "=u1", ">u1", "u1", "uint8"})
    void acceptsUInt8Spellings(String descr) throws IOException {
        NpyArray a = readBytes(npy("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }",
                new byte[] {(byte) 255, 1}));
        assertThat(a.dtype()).isEqualTo("|u1");
        assertThat(a.toIntArray()).containsExactly(255, 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"|i1", "<i1", "|b1", "<b1", "|?", "=i4", "<i4", "<i8", "=f8"})
    void acceptsLittleEndianSpellings(String descr) throws IOException {
        int item = descr.endsWith("8") ? 8 : descr.endsWith("4") ? 4 : 1;
        NpyArray a = readBytes(npy("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (2,), }",
                new byte[2 * item]));
        assertThat(a.dtype().substring(1)).isEqualTo(descr.endsWith("?") ? "b1" : descr.substring(1));
    }

    // =================================================================== errors

    @Test
    void missingFileNamesThePath() {
        Path p = tmp.resolve("nope/missing.npy");
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(p.toString());
        assertThatThrownBy(() -> Npy.read(tmp)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("directory");
    }

    @Test
    void badMagic() throws IOException {
        Path p = file("hello world, not numpy".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("not an NPY file")
                .hasMessageContaining("hello ");
        assertThatThrownBy(() -> Npy.read(file(new byte[0]))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> readBytes(new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0}))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("Npz.read");
        assertThatThrownBy(() -> readBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M'}))
                .isInstanceOf(NpyFormatException.class).hasMessageContaining("not an NPY file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"4.0", "1.1", "0.0", "255.255"})
    void unsupportedVersion(String version) {
        String[] v = version.split("\\.");
        byte[] b = npy(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats(1));
        b[6] = (byte) Integer.parseInt(v[0]);
        b[7] = (byte) Integer.parseInt(v[1]);
        assertThatThrownBy(() -> readBytes(b)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npy").hasMessageContaining("unsupported NPY format version " + version)
                .hasMessageContaining("1.0, 2.0, 3.0");
    }

    @Test
    void bigEndian() {
        assertThatThrownBy(() -> readBytes(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
                floats(1)))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("big-endian arrays are not supported")
                .hasMessageContaining("save with arr.astype('<f4')");
        assertThatThrownBy(() -> readBytes(npy("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }",
                new byte[8]))).isInstanceOf(NpyFormatException.class).hasMessageContaining("arr.astype('<i8')");
    }

    @Test
    void fortranOrder() throws IOException {
        assertThatThrownBy(() -> readBytes(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                floats(1, 2, 3, 4, 5, 6)))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("fortran_order True is not supported")
                .hasMessageContaining("np.ascontiguousarray(arr)");
        // with at most one dimension above 1 the layouts coincide, so it is read
        assertThat(readBytes(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (3,), }", floats(1, 2, 3)))
                .toFloatArray()).containsExactly(1, 2, 3);
    }

    @Test
    void objectArrays() {
        assertThatThrownBy(() -> readBytes(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
                new byte[8]))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("object arrays").hasMessageContaining("not supported")
                .hasMessageContaining("'|O'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<f2:float16", "<i2:int16", "<u4:uint32", "<c8:complex64", "<U3:unicode",
        "|S5:byte string", "<M8[ns]:datetime64", "|V16:void", "xyz:'xyz'", ":''"})
    void unsupportedDtypeIsNamed(String descrAndName) {
        String[] parts = descrAndName.split(":", 2);
        assertThatThrownBy(() -> readBytes(npy("{'descr': '" + parts[0] + "', 'fortran_order': False, "
                + "'shape': (1,), }", new byte[16]))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("unsupported dtype '" + parts[0] + "'").hasMessageContaining(parts[1])
                .hasMessageContaining("supported: <f4");
    }

    @Test
    void structuredDtype() {
        assertThatThrownBy(() -> readBytes(npy("{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, "
                + "'shape': (1,), }", new byte[8]))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("structured dtypes");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "[1, 2, 3]",
        "{'descr': '<f4', 'fortran_order': False}",
        "{'descr': '<f4', 'shape': (1,)}",
        "{'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ",
        "{'descr': '<f4 , 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': 1}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': ('1',)}",
        "{'descr': 4, 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} trailing",
        "{'descr': '<f4', 'fortran_order': Nope, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,,)}",
        "{(1, 2): 3, 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': ((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))}",
    })
    void malformedHeader(String header) {
        assertThatThrownBy(() -> readBytes(npy(header, floats(1)))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("test.npy: malformed header");
    }

    @Test
    void invalidUtf8InVersion3Header() {
        byte[] b = npy(3, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'n': 'xx'}", floats(1));
        b[12 + 63] = (byte) 0xff; // inside 'xx'
        assertThatThrownBy(() -> readBytes(b)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("UTF-8");
    }

    @Test
    void truncatedData() throws IOException {
        byte[] b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", floats(1, 2, 3, 4, 5));
        Path p = file(b);
        assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("truncated data")
                .hasMessageContaining("(2, 3)").hasMessageContaining("needs 24 bytes but only 20");
        assertThatThrownBy(() -> readBytes(b)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("truncated data").hasMessageContaining("needs 24 bytes but only 20");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] full = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats(1));
        for (int cut : new int[] {7, 9, 30}) {
            byte[] b = java.util.Arrays.copyOf(full, cut);
            assertThatThrownBy(() -> readBytes(b)).as("cut at %d", cut).isInstanceOf(NpyFormatException.class)
                    .hasMessageContaining("truncated");
            assertThatThrownBy(() -> Npy.read(file(b))).isInstanceOf(NpyFormatException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void absurdShapes() {
        for (String shape : new String[] {"(65536, 65536)", "(2147483647,)", "(3037000500, 3037000500)",
            "(99999999999999999999999999,)", "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)"}) {
            assertThatThrownBy(() -> readBytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': "
                    + shape + ", }", floats(1)))).as(shape).isInstanceOf(NpyFormatException.class)
                    .hasMessageContaining("test.npy")
                    .hasMessageMatching("(?s).*(absurd shape|more than a Java array can hold).*");
        }
        // elements fit but the bytes do not: 2^30 float64 values
        assertThatThrownBy(() -> readBytes(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1073741824,), }",
                floats(1)))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("more than a Java array can hold");
        assertThatThrownBy(() -> readBytes(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }",
                floats(1)))).isInstanceOf(NpyFormatException.class).hasMessageContaining("negative");
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void forgedSizesDoNotAllocateOrHang() throws IOException {
        // 1.6 GB claimed, 4 bytes present, no known length (a plain stream): reads in chunks, reports truncation
        byte[] b = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (400000000,), }", floats(1));
        assertThatThrownBy(() -> readBytes(b)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("truncated data").hasMessageContaining("only 4");
        // with a file the length is known up front
        assertThatThrownBy(() -> Npy.read(file(b))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("needs 1600000000 bytes but only 4");
        // forged version-2 header length of ~4 GB
        byte[] v2 = npy(2, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats(1));
        v2[8] = v2[9] = v2[10] = v2[11] = (byte) 0xff;
        assertThatThrownBy(() -> readBytes(v2)).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("header length 4294967295 bytes is implausible");
        // forged version-1 header length of 65535 over a short file
        byte[] v1 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats(1));
        v1[8] = v1[9] = (byte) 0xff;
        assertThatThrownBy(() -> Npy.read(file(v1))).isInstanceOf(NpyFormatException.class)
                .hasMessageContaining("the header claims 65535 bytes");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void fuzzHeaderMutations() throws Exception {
        long seed = 0x5EED_2024L;
        byte[] valid = Files.readAllBytes(resource("logits.npy"));
        SplittableRandom rng = new SplittableRandom(seed);
        int ok = 0;
        int rejected = 0;
        for (int i = 0; i < 600; i++) {
            byte[] b = valid.clone();
            int flips = 1 + rng.nextInt(4);
            StringBuilder what = new StringBuilder();
            for (int f = 0; f < flips; f++) {
                int pos = rng.nextInt(128); // the preamble and header dict
                byte v = switch (rng.nextInt(4)) {
                    case 0 -> (byte) (b[pos] ^ (1 << rng.nextInt(8)));
                    case 1 -> (byte) "0123456789(),'{}: \n\0".charAt(rng.nextInt(20));
                    default -> (byte) rng.nextInt(256);
                };
                what.append(String.format(" [%d]=0x%02x", pos, v & 0xff));
                b[pos] = v;
            }
            boolean asFile = rng.nextBoolean();
            try {
                NpyArray a = asFile ? Npy.read(file(b)) : readBytes(b);
                assertThat(a.data().length).isEqualTo(a.size() * a.itemSize());
                ok++;
            } catch (NpyFormatException e) {
                assertThat(e.getMessage()).isNotBlank();
                rejected++;
            } catch (Throwable t) {
                fail("seed " + seed + ", mutation " + i + what + ": unexpected " + t, t);
            }
        }
        assertThat(ok + rejected).isEqualTo(600);
        assertThat(rejected).as("most mutations should be rejected (seed %d)", seed).isGreaterThan(100);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
