package org.lrp4j.graph;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;

/**
 * lrp4j's own model file for the built-in {@link Architectures}: the architecture, its input and class count,
 * and every parameter and buffer by name (big-endian floats). ONNX (lrp4j-onnx: OnnxExporter / OnnxImporter) is
 * the general model format and what {@code lrp4j train} writes; this legacy format is still read, and written when
 * the output name ends with {@code .lrp4j}.
 */
public final class ModelFile {
    private ModelFile() {
    }

    private static final String MAGIC = "LRP4J-MODEL";
    private static final int VERSION = 1;
    private static final int MAX_ENTRIES = 100_000;
    private static final long MAX_VALUES = 1L << 30;

    /** What a model file says about its architecture. */
    public record Header(String architecture, int channels, int size, int classes) {
    }

    public static void save(Model model, Header header, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), 1 << 16))) {
            out.writeUTF(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(header.architecture());
            out.writeInt(header.channels());
            out.writeInt(header.size());
            out.writeInt(header.classes());
            Map<String, Tensor> state = model.state();
            out.writeInt(state.size());
            for (Map.Entry<String, Tensor> e : state.entrySet()) {
                out.writeUTF(e.getKey());
                int[] dims = e.getValue().dims();
                out.writeInt(dims.length);
                for (int d : dims) {
                    out.writeInt(d);
                }
                float[] data = e.getValue().data();
                int off = e.getValue().offset();
                for (int i = 0; i < e.getValue().size(); i++) {
                    out.writeFloat(data[off + i]);
                }
            }
        }
    }

    /** Reads a model file and rebuilds its model. */
    public static Model load(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                magic = "";
            }
            if (!MAGIC.equals(magic)) {
                throw new IOException(file + " is not an lrp4j model file (it does not start with " + MAGIC + ")");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException(file + " is an lrp4j model file of version " + version + "; this lrp4j reads "
                        + "version " + VERSION);
            }
            Header h = new Header(in.readUTF(), in.readInt(), in.readInt(), in.readInt());
            if (h.channels() < 1 || h.size() < 1 || h.classes() < 1 || h.channels() > 4096 || h.size() > 1 << 14
                    || h.classes() > 1 << 20) {
                throw new IOException(file + ": implausible header " + h);
            }
            Model model;
            try {
                model = Architectures.create(h.architecture(), h.channels(), h.size(), h.classes(), 0);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            int count = in.readInt();
            if (count < 0 || count > MAX_ENTRIES) {
                throw new IOException(file + ": implausible number of tensors " + count);
            }
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (int k = 0; k < count; k++) {
                String name = in.readUTF();
                int rank = in.readInt();
                if (rank < 0 || rank > 8) {
                    throw new IOException(file + ": tensor '" + name + "' has implausible rank " + rank);
                }
                int[] dims = new int[rank];
                long total = 1;
                for (int i = 0; i < rank; i++) {
                    dims[i] = in.readInt();
                    total *= Math.max(0, dims[i]);
                    if (dims[i] < 0 || total > MAX_VALUES) {
                        throw new IOException(file + ": tensor '" + name + "' has implausible dimensions");
                    }
                }
                float[] data = new float[(int) total];
                for (int i = 0; i < data.length; i++) {
                    data[i] = in.readFloat();
                }
                state.put(name, Tensor.wrap(data, Shape.of(dims)));
            }
            try {
                model.loadState(state);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            return model;
        } catch (NoSuchFileException e) {
            throw new IOException("model file not found: " + file, e);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated (it ends in the middle of the model)", e);
        }
    }

    /** The header of a model file, for commands that need the input size before loading. */
    public static Header header(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (!MAGIC.equals(in.readUTF()) || in.readInt() != VERSION) {
                throw new IOException(file + " is not an lrp4j model file");
            }
            return new Header(in.readUTF(), in.readInt(), in.readInt(), in.readInt());
        } catch (NoSuchFileException e) {
            throw new IOException("model file not found: " + file, e);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated", e);
        }
    }
}
