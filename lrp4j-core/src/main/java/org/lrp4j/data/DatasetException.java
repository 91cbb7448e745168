package org.lrp4j.data;

/** A data set is missing, truncated or malformed; the message names the file and what to do. */
public class DatasetException extends Exception {
    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
