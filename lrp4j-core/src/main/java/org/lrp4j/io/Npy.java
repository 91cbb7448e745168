package org.lrp4j.io;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.lrp4j.tensor.Tensor;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0; C order; little-endian).
 *
 * <p>Supported dtypes: float32 {@code <f4}, float64 {@code <f8}, int64 {@code <i8}, int32 {@code <i4}, uint8
 * {@code |u1}, int8 {@code |i1} and bool {@code |b1}. The byte-order prefixes {@code <}, {@code =} (native, taken as
 * little-endian) and {@code |} are accepted, as is {@code >} for the one-byte types. Rank-0 arrays (shape
 * {@code ()}) and empty arrays (a 0 dimension) are supported.
 *
 * <p>Not supported, each with a {@link NpyFormatException} that says so: big-endian multi-byte dtypes, Fortran order
 * (except for arrays whose Fortran and C layouts coincide, i.e. with at most one dimension larger than 1), object
 * arrays ({@code |O}, pickles) and every other dtype. The header dict is parsed by a small Python-literal parser (no
 * evaluation); keys other than {@code descr}, {@code fortran_order} and {@code shape} are ignored. Bytes after the
 * array data are ignored, as NumPy does.
 *
 * <p>Defensive limits: headers longer than {@value #MAX_HEADER_BYTES} bytes and arrays with more than
 * {@link NpyArray#MAX_ELEMENTS} elements or bytes are rejected, and data is read in growing chunks so a forged
 * shape over a short file costs no more memory than the file itself: a corrupt file gives an
 * {@code NpyFormatException}, never an {@code OutOfMemoryError} or a hang.
 *
 * <p>The writer produces exactly what NumPy's {@code np.save} writes for the same array: a version 1.0 header (2.0
 * only if the header would exceed 65535 bytes), keys in sorted order, the spare growth-axis spaces NumPy adds, and
 * padding with spaces and a final {@code '\n'} so that the data starts at a multiple of 64 bytes.
 */
public final class Npy {
    /** The largest header (dict) length accepted when reading. NumPy's own default limit is 10000 characters. */
    public static final int MAX_HEADER_BYTES = 1 << 20;

    static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int ARRAY_ALIGN = 64;
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    private static final int MAX_NESTING = 32;

    private Npy() {
    }

    // =================================================================== reading

    /**
     * Reads an {@code .npy} file.
     *
     * @throws NoSuchFileException if there is no such file (the message names the path)
     * @throws NpyFormatException if the file is not a readable NPY file (the message names the path and the problem)
     */
    public static NpyArray read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such .npy file");
        }
        if (Files.isDirectory(path)) {
            throw NpyFormatException.of(path.toString(), "is a directory, not an .npy file");
        }
        long length = Files.size(path);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(path), 1 << 16)) {
            return read(in, path.toString(), length);
        }
    }

    /** Reads an {@code .npy} file as a float32 tensor; other numeric dtypes are converted (float64 is rounded). */
    public static Tensor readTensor(Path path) throws IOException {
        return read(path).toTensor();
    }

    /**
     * Reads one NPY array from {@code in}, which is left positioned after the array data (not closed).
     *
     * @param sourceName names the source in error messages (a file name, a zip entry, ...)
     */
    public static NpyArray read(InputStream in, String sourceName) throws IOException {
        return read(in, sourceName, -1);
    }

    /**
     * As {@link #read(InputStream, String)}; {@code knownLength}, if not negative, is the number of bytes the stream
     * holds, used to report truncation before reading.
     */
    static NpyArray read(InputStream in, String source, long knownLength) throws IOException {
        byte[] magic = readUpTo(in, MAGIC.length);
        if (magic.length < MAGIC.length || !Arrays.equals(magic, MAGIC)) {
            String hint = magic.length >= 2 && magic[0] == 'P' && magic[1] == 'K'
                    ? "; this looks like a zip archive (an .npz?): read it with Npz.read"
                    : "";
            throw NpyFormatException.of(source, "not an NPY file: it should start with the magic bytes \\x93NUMPY but "
                    + (magic.length == 0 ? "it is empty" : "starts with " + escape(magic, magic.length)) + hint);
        }
        byte[] version = readUpTo(in, 2);
        if (version.length < 2) {
            throw NpyFormatException.of(source, "truncated NPY file: it ends inside the version bytes");
        }
        int major = version[0] & 0xff;
        int minor = version[1] & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw NpyFormatException.of(source, "unsupported NPY format version " + major + "." + minor
                    + " (supported: 1.0, 2.0, 3.0)");
        }
        int lenBytes = major == 1 ? 2 : 4;
        byte[] lenField = readUpTo(in, lenBytes);
        if (lenField.length < lenBytes) {
            throw NpyFormatException.of(source, "truncated NPY file: it ends inside the header length field");
        }
        long headerLength = 0;
        for (int i = lenBytes - 1; i >= 0; i--) {
            headerLength = headerLength << 8 | (lenField[i] & 0xff);
        }
        long prefix = MAGIC.length + 2 + lenBytes;
        if (headerLength > MAX_HEADER_BYTES) {
            throw NpyFormatException.of(source, "header length " + headerLength + " bytes is implausible (limit "
                    + MAX_HEADER_BYTES + "); the file is corrupt");
        }
        if (knownLength >= 0 && prefix + headerLength > knownLength) {
            throw NpyFormatException.of(source, "truncated NPY file: the header claims " + headerLength
                    + " bytes but only " + Math.max(0, knownLength - prefix) + " follow the header length field");
        }
        byte[] headerBytes = readUpTo(in, (int) headerLength);
        if (headerBytes.length < headerLength) {
            throw NpyFormatException.of(source, "truncated NPY file: the header claims " + headerLength
                    + " bytes but the file ends after " + headerBytes.length);
        }
        String header = decode(headerBytes, major == 3, source);
        Header h = parseHeader(header, source);

        long bytes = h.elements * NpyArray.itemSize(h.dtype);
        if (bytes > NpyArray.MAX_ELEMENTS) {
            throw NpyFormatException.of(source, "shape " + shapeRepr(h.shape) + " of " + h.dtype + " needs " + bytes
                    + " bytes, more than a Java array can hold");
        }
        long available = knownLength < 0 ? -1 : knownLength - prefix - headerLength;
        if (available >= 0 && available < bytes) {
            throw truncated(source, h, bytes, available);
        }
        byte[] data = readUpTo(in, (int) bytes);
        if (data.length < bytes) {
            throw truncated(source, h, bytes, data.length);
        }
        return new NpyArray(h.dtype, h.shape, data);
    }

    private static NpyFormatException truncated(String source, Header h, long need, long have) {
        return NpyFormatException.of(source, "truncated data: shape " + shapeRepr(h.shape) + " of " + h.dtype
                + " needs " + need + " bytes but only " + have + " follow the header");
    }

    /**
     * Reads up to {@code n} bytes, stopping early only at end of stream. The buffer grows as data arrives, so a
     * forged length over a short stream does not allocate {@code n} bytes up front.
     */
    private static byte[] readUpTo(InputStream in, int n) throws IOException {
        byte[] buf = new byte[Math.min(n, 1 << 16)];
        int got = 0;
        while (got < n) {
            if (got == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(n, 2L * buf.length));
            }
            int r = in.read(buf, got, buf.length - got);
            if (r < 0) {
                return Arrays.copyOf(buf, got);
            }
            got += r;
        }
        return buf;
    }

    private static String decode(byte[] bytes, boolean utf8, String source) throws NpyFormatException {
        if (!utf8) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return cb.toString();
        } catch (CharacterCodingException e) {
            throw NpyFormatException.of(source, "malformed header: a version 3.0 header must be UTF-8 ("
                    + e.getMessage() + ")");
        }
    }

    // =================================================================== header

    /** A parsed, validated header. */
    record Header(String dtype, int[] shape, long elements) {
    }

    /** A Python tuple in the header dict (lists are kept as {@link List}). */
    private record Tuple(List<Object> items) {
    }

    private static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    static Header parseHeader(String header, String source) throws NpyFormatException {
        Object parsed = new LiteralParser(header, source).parseTop();
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw malformed(source, header, "the header is not a dict");
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw malformed(source, header, "missing key '" + key + "'");
            }
        }
        Object descr = dict.get("descr");
        String dtype;
        if (descr instanceof String s) {
            dtype = normalizeDtype(s, source);
        } else if (descr instanceof List || descr instanceof Tuple) {
            throw NpyFormatException.of(source, "structured dtypes (descr " + shortText(String.valueOf(descr))
                    + ") are not supported; save a plain numeric array");
        } else {
            throw malformed(source, header, "'descr' is not a string");
        }
        Object shapeValue = dict.get("shape");
        List<Object> dims;
        if (shapeValue instanceof Tuple t) {
            dims = t.items();
        } else if (shapeValue instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> lo = (List<Object>) l;
            dims = lo;
        } else {
            throw malformed(source, header, "'shape' is not a tuple of ints");
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            Object d = dims.get(i);
            if (!(d instanceof Long v)) {
                throw malformed(source, header, "'shape' is not a tuple of ints");
            }
            if (v < 0) {
                throw NpyFormatException.of(source, "invalid shape " + shortText(String.valueOf(dims))
                        + ": dimension " + i + " is negative");
            }
            if (v > Integer.MAX_VALUE) {
                throw NpyFormatException.of(source, "absurd shape: dimension " + i + " is " + v
                        + ", more than the " + NpyArray.MAX_ELEMENTS + " elements a Java array can hold");
            }
            shape[i] = (int) (long) v;
        }
        long elements = NpyArray.elementCount(shape);
        if (elements < 0) {
            throw NpyFormatException.of(source, "absurd shape " + shapeRepr(shape) + ": more than "
                    + NpyArray.MAX_ELEMENTS + " elements, which a Java array cannot hold");
        }
        Object fortran = dict.get("fortran_order");
        if (!(fortran instanceof Boolean f)) {
            throw malformed(source, header, "'fortran_order' is not True or False");
        }
        if (f) {
            int nonTrivial = 0;
            for (int d : shape) {
                nonTrivial += d > 1 ? 1 : 0;
            }
            if (nonTrivial > 1 && elements > 0) {
                throw NpyFormatException.of(source, "fortran_order True is not supported; save "
                        + "np.ascontiguousarray(arr) instead");
            }
        }
        return new Header(dtype, shape, elements);
    }

    /** Maps a descr string onto one of the {@link NpyArray} dtype constants, or throws a clear error. */
    static String normalizeDtype(String descr, String source) throws NpyFormatException {
        String d = descr.strip();
        switch (d) {
            case "float32" -> d = "<f4";
            case "float64", "double" -> d = "<f8";
            case "int64" -> d = "<i8";
            case "int32" -> d = "<i4";
            case "uint8" -> d = "|u1";
            case "int8" -> d = "|i1";
            case "bool" -> d = "|b1";
            default -> {
            }
        }
        char order = '=';
        String rest = d;
        if (!d.isEmpty() && "<>=|".indexOf(d.charAt(0)) >= 0) {
            order = d.charAt(0);
            rest = d.substring(1);
        }
        if (rest.startsWith("O")) {
            throw NpyFormatException.of(source, "object arrays (dtype '" + descr + "') are not supported: they hold "
                    + "pickled Python objects; save a numeric array instead");
        }
        String normalized = switch (rest) {
            case "f4" -> NpyArray.FLOAT32;
            case "f8" -> NpyArray.FLOAT64;
            case "i8" -> NpyArray.INT64;
            case "i4" -> NpyArray.INT32;
            case "u1" -> NpyArray.UINT8;
            case "i1" -> NpyArray.INT8;
            case "b1", "?" -> NpyArray.BOOL;
            default -> null;
        };
        if (normalized == null) {
            throw NpyFormatException.of(source, "unsupported dtype '" + descr + "'" + describe(rest)
                    + "; supported: <f4, <f8, <i8, <i4, |u1, |i1, |b1 (convert with e.g. arr.astype('<f4'))");
        }
        if (order == '>' && NpyArray.itemSize(normalized) > 1) {
            throw NpyFormatException.of(source, "big-endian arrays are not supported (dtype '" + descr
                    + "'); save with arr.astype('<" + rest + "')");
        }
        return normalized;
    }

    private static String describe(String rest) {
        if (rest.isEmpty()) {
            return "";
        }
        String name = switch (rest.charAt(0)) {
            case 'f' -> "float" + bits(rest);
            case 'i' -> "int" + bits(rest);
            case 'u' -> "uint" + bits(rest);
            case 'c' -> "complex" + bits(rest);
            case 'U' -> "unicode string";
            case 'S', 'a' -> "byte string";
            case 'V' -> "void/structured";
            case 'M' -> "datetime64";
            case 'm' -> "timedelta64";
            default -> null;
        };
        return name == null ? "" : " (" + name + ")";
    }

    private static String bits(String rest) {
        try {
            return String.valueOf(Integer.parseInt(rest.substring(1)) * 8);
        } catch (NumberFormatException e) {
            return "";
        }
    }

    private static NpyFormatException malformed(String source, String header, String problem) {
        return NpyFormatException.of(source, "malformed header: " + problem + " in " + shortText(header.strip()));
    }

    private static String shortText(String s) {
        StringBuilder b = new StringBuilder();
        int limit = Math.min(s.length(), 160);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (s.length() > limit) {
            b.append("...");
        }
        return b.toString();
    }

    private static String escape(byte[] b, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.toString();
    }

    /**
     * Parses the subset of Python literals found in NPY headers: dicts, tuples, lists, strings (single or double
     * quoted, optional {@code u}/{@code b} prefix), integers (optional Python 2 {@code L} suffix), {@code True},
     * {@code False} and {@code None}. Trailing commas and arbitrary whitespace are accepted.
     */
    private static final class LiteralParser {
        private final String s;
        private final String source;
        private int pos;

        LiteralParser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        Object parseTop() throws NpyFormatException {
            Object v = value(0);
            skipSpace();
            if (pos < s.length() && s.charAt(pos) != '\0') {
                throw error("unexpected text after the dict");
            }
            // NUL padding is not what NumPy writes, but tolerate it along with whitespace
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c != '\0' && !Character.isWhitespace(c)) {
                    throw error("unexpected text after the dict");
                }
            }
            return v;
        }

        private Object value(int depth) throws NpyFormatException {
            if (depth > MAX_NESTING) {
                throw error("nesting deeper than " + MAX_NESTING);
            }
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end of header");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{':
                    return dict(depth);
                case '(':
                    return sequence(depth, ')');
                case '[':
                    return sequence(depth, ']');
                case '\'':
                case '"':
                    return string();
                default:
                    break;
            }
            if ((c == 'u' || c == 'b' || c == 'U' || c == 'B') && pos + 1 < s.length()
                    && (s.charAt(pos + 1) == '\'' || s.charAt(pos + 1) == '"')) {
                pos++;
                return string();
            }
            if (c == '-' || c == '+' || (c >= '0' && c <= '9')) {
                return integer();
            }
            if (s.startsWith("True", pos)) {
                pos += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", pos)) {
                pos += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("None", pos)) {
                pos += 4;
                return NONE;
            }
            throw error("unexpected character");
        }

        private Map<Object, Object> dict(int depth) throws NpyFormatException {
            pos++; // '{'
            Map<Object, Object> m = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == '}') {
                    pos++;
                    return m;
                }
                Object key = value(depth + 1);
                if (key instanceof Map || key instanceof List || key instanceof Tuple) {
                    throw error("dict key is not a string");
                }
                skipSpace();
                expect(':');
                Object v = value(depth + 1);
                m.put(key, v);
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                } else if (pos < s.length() && s.charAt(pos) == '}') {
                    pos++;
                    return m;
                } else {
                    throw error("expected ',' or '}'");
                }
            }
        }

        /** A tuple (close == ')') or list (close == ']'); a parenthesized single value without comma is itself. */
        private Object sequence(int depth, char close) throws NpyFormatException {
            pos++;
            List<Object> items = new ArrayList<>();
            boolean sawComma = false;
            while (true) {
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == close) {
                    pos++;
                    break;
                }
                items.add(value(depth + 1));
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    sawComma = true;
                } else if (pos < s.length() && s.charAt(pos) == close) {
                    pos++;
                    break;
                } else {
                    throw error("expected ',' or '" + close + "'");
                }
            }
            if (close == ']') {
                return items;
            }
            if (items.size() == 1 && !sawComma) {
                return items.get(0); // (3) is the int 3 in Python
            }
            return new Tuple(items);
        }

        private String string() throws NpyFormatException {
            char quote = s.charAt(pos++);
            StringBuilder b = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == quote) {
                    return b.toString();
                }
                if (c == '\n') {
                    break;
                }
                if (c == '\\' && pos < s.length()) {
                    char e = s.charAt(pos++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case '0' -> b.append('\0');
                        case '\\', '\'', '"' -> b.append(e);
                        default -> b.append('\\').append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            throw error("unterminated string");
        }

        private Long integer() throws NpyFormatException {
            int start = pos;
            boolean negative = false;
            char c = s.charAt(pos);
            if (c == '-' || c == '+') {
                negative = c == '-';
                pos++;
                skipSpace();
            }
            int digitsStart = pos;
            long v = 0;
            boolean overflow = false;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                int digit = s.charAt(pos++) - '0';
                if (v > (Long.MAX_VALUE - digit) / 10) {
                    overflow = true;
                } else {
                    v = v * 10 + digit;
                }
            }
            if (pos == digitsStart) {
                pos = start;
                throw error("expected a number");
            }
            if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
                pos++; // Python 2 long
            }
            if (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '.'
                    || s.charAt(pos) == '_')) {
                throw error("not an integer");
            }
            if (overflow) {
                return negative ? Long.MIN_VALUE : Long.MAX_VALUE; // rejected later as absurd / negative
            }
            return negative ? -v : v;
        }

        private void expect(char c) throws NpyFormatException {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        private void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                    pos++;
                } else {
                    break;
                }
            }
        }

        private NpyFormatException error(String problem) {
            String at = pos < s.length() ? " at '" + shortText(s.substring(pos, Math.min(s.length(), pos + 10)))
                    + "' (offset " + pos + ")" : " at the end";
            return malformed(source, s, problem + at);
        }
    }

    // =================================================================== writing

    /** Writes {@code t} as a float32 ({@code <f4}) {@code .npy} file, byte-identical to {@code np.save}. */
    public static void write(Path path, Tensor t) throws IOException {
        write(path, NpyArray.of(t));
    }

    /** Writes {@code a} as an {@code .npy} file (version 1.0 header, data aligned to 64 bytes); creates the folder. */
    public static void write(Path path, NpyArray a) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16)) {
            write(out, a);
        }
    }

    /** Writes {@code a} in NPY format to {@code out} (not closed). */
    public static void write(OutputStream out, NpyArray a) throws IOException {
        out.write(header(a.dtype(), a.shape()));
        out.write(a.data());
    }

    public static void writeFloat64(Path path, int[] shape, double[] values) throws IOException {
        write(path, NpyArray.ofFloat64(shape, values));
    }

    public static void writeInt64(Path path, int[] shape, long[] values) throws IOException {
        write(path, NpyArray.ofInt64(shape, values));
    }

    public static void writeInt32(Path path, int[] shape, int[] values) throws IOException {
        write(path, NpyArray.ofInt32(shape, values));
    }

    /** Writes unsigned bytes ({@code |u1}). */
    public static void writeUInt8(Path path, int[] shape, byte[] values) throws IOException {
        write(path, NpyArray.ofUInt8(shape, values));
    }

    public static void writeBool(Path path, int[] shape, boolean[] values) throws IOException {
        write(path, NpyArray.ofBool(shape, values));
    }

    /** The magic, version, header length and padded header dict NumPy writes for a C-order array. */
    static byte[] header(String descr, int[] shape) {
        StringBuilder dict = new StringBuilder();
        dict.append("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': ")
                .append(shapeRepr(shape)).append(", }");
        if (shape.length > 0) {
            dict.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - String.valueOf(shape[0]).length()));
        }
        byte[] text = dict.toString().getBytes(StandardCharsets.ISO_8859_1);
        int hlen = text.length + 1;
        int major = 1;
        int prefix = MAGIC.length + 2 + 2;
        int padlen = ARRAY_ALIGN - (prefix + hlen) % ARRAY_ALIGN;
        if (hlen + padlen > 0xffff) {
            major = 2;
            prefix = MAGIC.length + 2 + 4;
            padlen = ARRAY_ALIGN - (prefix + hlen) % ARRAY_ALIGN;
        }
        int total = hlen + padlen;
        ByteBuffer b = ByteBuffer.allocate(prefix + total).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) total);
        } else {
            b.putInt(total);
        }
        b.put(text);
        for (int i = 0; i < padlen; i++) {
            b.put((byte) ' ');
        }
        b.put((byte) '\n');
        return b.array();
    }

    /** Python's repr of a shape tuple: {@code ()}, {@code (3,)}, {@code (2, 3)}. */
    static String shapeRepr(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(shape[i]);
        }
        return b.append(')').toString();
    }
}
