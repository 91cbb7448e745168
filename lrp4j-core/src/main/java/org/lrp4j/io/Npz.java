package org.lrp4j.io;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.lrp4j.tensor.Tensor;

/**
 * Reads and writes NumPy {@code .npz} archives: zip files of {@code .npy} entries, stored or deflated, as written by
 * {@code np.savez} and {@code np.savez_compressed}.
 *
 * <p>The key of an entry is its name without the {@code .npy} suffix. Entries whose name does not end in
 * {@code .npy} (and directories) are <b>skipped</b>: NumPy itself never writes them, and skipping lets archives
 * carrying e.g. a README be read. Each entry is read with {@link Npy} and so has the same dtype support and errors;
 * error messages name the archive and the entry ({@code archive.npz!weights.npy}).
 */
public final class Npz {
    private Npz() {
    }

    /**
     * Reads every {@code .npy} entry of the archive, in archive order.
     *
     * @throws NoSuchFileException if there is no such file
     * @throws NpyFormatException if the file is not a zip archive or an entry is not a readable NPY array
     */
    public static LinkedHashMap<String, NpyArray> read(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such .npz file");
        }
        if (Files.isDirectory(path)) {
            throw NpyFormatException.of(path.toString(), "is a directory, not an .npz file");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            String hint = "";
            try (InputStream in = Files.newInputStream(path)) {
                byte[] head = in.readNBytes(Npy.MAGIC.length);
                if (java.util.Arrays.equals(head, Npy.MAGIC)) {
                    hint = "; it is an .npy file: read it with Npy.read";
                }
            }
            throw new NpyFormatException(path + ": not an NPZ (zip) file (" + e.getMessage() + ")" + hint, e);
        }
        LinkedHashMap<String, NpyArray> out = new LinkedHashMap<>();
        try (zip) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                if (e.isDirectory() || !name.endsWith(".npy")) {
                    continue;
                }
                String key = name.substring(0, name.length() - ".npy".length());
                String source = path + "!" + name;
                if (out.containsKey(key)) {
                    throw NpyFormatException.of(source, "duplicate entry '" + name + "' in the archive");
                }
                try (InputStream in = zip.getInputStream(e)) {
                    out.put(key, Npy.read(in, source, e.getSize()));
                } catch (ZipException | EOFException ex) {
                    throw new NpyFormatException(source + ": corrupt zip entry (" + ex.getMessage() + ")", ex);
                }
            }
        } catch (IllegalArgumentException | IllegalStateException ex) {
            // ZipFile reports some malformed central directories (e.g. bad entry name encoding) this way
            throw new NpyFormatException(path + ": corrupt zip archive (" + ex.getMessage() + ")", ex);
        }
        return out;
    }

    /** Reads every {@code .npy} entry as a float32 tensor (other dtypes converted; float64 is rounded). */
    public static LinkedHashMap<String, Tensor> readTensors(Path path) throws IOException {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, NpyArray> e : read(path).entrySet()) {
            out.put(e.getKey(), e.getValue().toTensor());
        }
        return out;
    }

    /** Writes the tensors as float32 entries {@code key.npy}, uncompressed (stored), like {@code np.savez}. */
    public static void write(Path path, Map<String, Tensor> tensors) throws IOException {
        writeArrays(path, toArrays(tensors), false);
    }

    /** As {@link #write}, but deflated, like {@code np.savez_compressed}. */
    public static void writeCompressed(Path path, Map<String, Tensor> tensors) throws IOException {
        writeArrays(path, toArrays(tensors), true);
    }

    /** Writes arrays of any supported dtype as entries {@code key.npy}, in map order. */
    public static void writeArrays(Path path, Map<String, NpyArray> arrays, boolean compressed) throws IOException {
        for (String key : arrays.keySet()) {
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("Npz.write: keys must be non-empty, got " + arrays.keySet());
            }
        }
        try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16);
             ZipOutputStream zip = new ZipOutputStream(file)) {
            for (Map.Entry<String, NpyArray> e : arrays.entrySet()) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                Npy.write(buf, e.getValue());
                byte[] bytes = buf.toByteArray();
                ZipEntry entry = new ZipEntry(e.getKey() + ".npy");
                if (compressed) {
                    entry.setMethod(ZipEntry.DEFLATED);
                } else {
                    CRC32 crc = new CRC32();
                    crc.update(bytes);
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(bytes.length);
                    entry.setCompressedSize(bytes.length);
                    entry.setCrc(crc.getValue());
                }
                zip.putNextEntry(entry);
                zip.write(bytes);
                zip.closeEntry();
            }
        }
    }

    private static Map<String, NpyArray> toArrays(Map<String, Tensor> tensors) {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            arrays.put(e.getKey(), NpyArray.of(e.getValue()));
        }
        return arrays;
    }
}
