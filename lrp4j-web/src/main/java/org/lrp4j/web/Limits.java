package org.lrp4j.web;

/**
 * What the server accepts: request body sizes (image and model uploads), image dimensions, explanations running at
 * once, and requests per client per second. Over a limit the server answers 413 or 429 with a JSON error and goes
 * on serving.
 */
public record Limits(int maxImageBytes, int maxModelBytes, int maxImagePixels, int maxConcurrentExplanations,
                     int requestsPerSecond) {

    public Limits {
        if (maxImageBytes < 1 || maxModelBytes < 1 || maxImagePixels < 1 || maxConcurrentExplanations < 1
                || requestsPerSecond < 1) {
            throw new IllegalArgumentException("every limit must be at least 1");
        }
    }

    /** 10 MB images, 200 MB models, 40 megapixels, 4 explanations at once, 50 requests per second per client. */
    public static Limits defaults() {
        return new Limits(10 << 20, 200 << 20, 40_000_000, 4, 50);
    }
}
