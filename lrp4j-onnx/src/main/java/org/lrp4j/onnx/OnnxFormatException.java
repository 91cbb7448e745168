package org.lrp4j.onnx;

import java.io.IOException;

/**
 * An ONNX file cannot be read or imported: it is missing, truncated, not ONNX, malformed (a length or size that
 * does not fit the bytes present, nesting too deep), or it uses an operator, attribute or data type lrp4j does
 * not support. The message names the file and, where there is one, the node and operator.
 */
public class OnnxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public OnnxFormatException(String message) {
        super(message);
    }

    public OnnxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
