package org.lrp4j.image;

/**
 * A decoded image with values in [0, 1]: one plane (grayscale) or three (R, G, B), each row-major
 * {@code height x width}. {@code gray} is true when the file is grayscale, or its colours all have R = G = B.
 */
public record DecodedImage(String name, int width, int height, float[][] planes, boolean gray) {

    public int channels() {
        return planes.length;
    }

    /** Luminance weights of ITU-R BT.601 (as PIL's convert("L") and torchvision's Grayscale use). */
    public static final float LUMA_R = 0.299f;
    public static final float LUMA_G = 0.587f;
    public static final float LUMA_B = 0.114f;

    /**
     * This image with {@code c} planes: a grayscale image is replicated to 3 identical planes for an RGB model;
     * an RGB image becomes its luminance 0.299 R + 0.587 G + 0.114 B for a grayscale model.
     */
    public DecodedImage withChannels(int c) {
        if (c == planes.length) {
            return this;
        }
        if (c == 3 && planes.length == 1) {
            return new DecodedImage(name, width, height, new float[][] {planes[0], planes[0], planes[0]}, true);
        }
        if (c == 1 && planes.length == 3) {
            float[] l = new float[width * height];
            for (int i = 0; i < l.length; i++) {
                l[i] = LUMA_R * planes[0][i] + LUMA_G * planes[1][i] + LUMA_B * planes[2][i];
            }
            return new DecodedImage(name, width, height, new float[][] {l}, true);
        }
        throw new IllegalArgumentException("cannot convert an image with " + planes.length + " channels to " + c
                + " channels (only 1 = grayscale and 3 = RGB)");
    }
}
