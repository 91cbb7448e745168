package org.lrp4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX format of MNIST and Fashion-MNIST (unsigned bytes), plain or gzip-compressed (detected by
 * the gzip magic bytes, not the file name).
 */
public final class Idx {
    private Idx() {
    }

    /** An IDX array of unsigned bytes: its dimensions and values in row-major order. */
    public record UByteArray(int[] dims, byte[] values) {
        public int count() {
            return dims[0];
        }

        /** Value as 0..255. */
        public int get(int flat) {
            return values[flat] & 0xff;
        }
    }

    /** Limit on the number of values, so a forged header cannot ask for more memory than any real data set. */
    private static final long MAX_VALUES = 1L << 30;

    public static UByteArray read(Path file) throws DatasetException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(new DataInputStream(in), file);
        } catch (NoSuchFileException e) {
            throw new DatasetException("IDX file not found: " + file, e);
        } catch (EOFException e) {
            throw new DatasetException("IDX file " + file + " is truncated: it ends before all values declared in"
                    + " its header were read (re-download or reinstall it)", e);
        } catch (java.util.zip.ZipException e) {
            throw new DatasetException("IDX file " + file + " is a corrupt gzip stream: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new DatasetException("cannot read IDX file " + file + ": " + e, e);
        }
    }

    private static UByteArray read(DataInputStream in, Path file) throws IOException, DatasetException {
        int magic = in.readInt();
        int type = (magic >>> 8) & 0xff;
        int rank = magic & 0xff;
        if ((magic >>> 16) != 0 || rank == 0) {
            throw new DatasetException("file " + file + " is not an IDX file (magic number 0x"
                    + Integer.toHexString(magic) + ")");
        }
        if (type != 0x08) {
            throw new DatasetException("IDX file " + file + " holds element type 0x" + Integer.toHexString(type)
                    + "; only unsigned bytes (0x08) are supported");
        }
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = in.readInt();
            if (dims[i] < 0) {
                throw new DatasetException("IDX file " + file + " declares a negative dimension " + dims[i]);
            }
            total *= dims[i];
            if (total > MAX_VALUES) {
                throw new DatasetException("IDX file " + file + " declares dimensions " + Arrays.toString(
                        Arrays.copyOf(dims, i + 1)) + "..., more than " + MAX_VALUES + " values");
            }
        }
        byte[] values = new byte[(int) total];
        in.readFully(values);
        return new UByteArray(dims, values);
    }
}
