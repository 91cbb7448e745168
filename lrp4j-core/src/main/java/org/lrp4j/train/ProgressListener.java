package org.lrp4j.train;

/** Receives training progress; the CLI prints it. */
public interface ProgressListener {

    /** After each batch: running mean loss and accuracy of the epoch so far. */
    default void batch(int epoch, int batch, int batches, double loss, double accuracy, long elapsedNanos) {
    }

    /** After each epoch, with the evaluation on the held-out data if any was given. */
    default void epoch(EpochResult result) {
    }

    ProgressListener NONE = new ProgressListener() {
    };
}
