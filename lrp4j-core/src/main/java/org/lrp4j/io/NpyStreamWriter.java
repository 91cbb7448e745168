package org.lrp4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.lrp4j.tensor.Tensor;

/**
 * Writes a float32 {@code .npy} file of a known shape piece by piece, in C order, so that an array larger than
 * memory (e.g. the heatmaps of 1,000 classes) streams to disk as it is computed. {@link #close} checks that exactly
 * the announced number of values arrived; the file is byte-identical to {@code np.save} of the whole array.
 */
public final class NpyStreamWriter implements AutoCloseable {
    private final OutputStream out;
    private final long expected;
    private long written;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);

    public NpyStreamWriter(Path path, int[] shape) throws IOException {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        this.expected = n;
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
        out.write(Npy.header("<f4", shape));
    }

    /** Appends every value of {@code t} in C order. */
    public void write(Tensor t) throws IOException {
        if (written + t.size() > expected) {
            throw new IllegalStateException("npy stream: " + (written + t.size()) + " values for an array of "
                    + expected);
        }
        float[] d = t.data();
        int off = t.offset();
        for (int i = 0; i < t.size(); i++) {
            if (!buffer.hasRemaining()) {
                flushBuffer();
            }
            buffer.putFloat(d[off + i]);
        }
        written += t.size();
    }

    private void flushBuffer() throws IOException {
        out.write(buffer.array(), 0, buffer.position());
        buffer.clear();
    }

    @Override
    public void close() throws IOException {
        flushBuffer();
        out.close();
        if (written != expected) {
            throw new IllegalStateException("npy stream closed after " + written + " of " + expected + " values");
        }
    }
}
