package org.lrp4j.tensor;

/** A tensor has the wrong shape for an operation; the message names the operation and both shapes. */
public class TensorShapeException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public TensorShapeException(String message) {
        super(message);
    }

    public static TensorShapeException expected(String op, String what, Object expected, Object actual) {
        return new TensorShapeException(op + ": " + what + " must be " + expected + " but was " + actual);
    }
}
