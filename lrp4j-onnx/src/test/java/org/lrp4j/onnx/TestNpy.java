package org.lrp4j.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.lrp4j.tensor.Tensor;

/**
 * TEST-ONLY reader of float32 little-endian C-order .npy files (format 1.0/2.0), until the NPY reader of
 * {@code org.lrp4j.io} lands. Not for production use: it checks only what the fixtures need.
 */
final class TestNpy {
    private TestNpy() {
    }

    static Tensor read(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        if (b.length < 10 || b[0] != (byte) 0x93 || !new String(b, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + ": not an .npy file");
        }
        int major = b[6];
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = bb.getShort(8) & 0xffff;
            start = 10;
        } else {
            headerLen = bb.getInt(8);
            start = 12;
        }
        String header = new String(b, start, headerLen, StandardCharsets.US_ASCII);
        if (!header.contains("'descr': '<f4'") || header.contains("'fortran_order': True")) {
            throw new IOException(file + ": only little-endian float32 C-order arrays are supported: " + header);
        }
        Matcher m = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(header);
        if (!m.find()) {
            throw new IOException(file + ": no shape in header " + header);
        }
        String[] parts = m.group(1).split(",");
        int[] dims = java.util.Arrays.stream(parts).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        float[] data = new float[n];
        bb.position(start + headerLen);
        bb.asFloatBuffer().get(data);
        return Tensor.wrap(data, dims);
    }
}
