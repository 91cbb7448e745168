package org.lrp4j.svm;

/** A model file that cannot be read: malformed, or of an SVM type or kernel lrp4j does not explain. */
public final class SvmFormatException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SvmFormatException(String message) {
        super(message);
    }
}
