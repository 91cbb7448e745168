package org.lrp4j.image;

import java.io.IOException;

/**
 * A file that cannot be used as an input image: not an image, an unsupported encoding (CMYK JPEG), an empty
 * folder, a size that does not fit the model. The message is one line naming the file and what to do.
 */
public class ImageFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public ImageFormatException(String message) {
        super(message);
    }

    public ImageFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
