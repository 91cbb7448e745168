package org.lrp4j.io;

import java.io.IOException;

/**
 * A {@code .npy} or {@code .npz} file that cannot be read: not an NPY file, an unsupported version or dtype, a
 * malformed header, truncated data or an implausible shape. The message names the file and the problem.
 */
public class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }

    public NpyFormatException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code source + ": " + problem}. */
    static NpyFormatException of(String source, String problem) {
        return new NpyFormatException(source + ": " + problem);
    }
}
