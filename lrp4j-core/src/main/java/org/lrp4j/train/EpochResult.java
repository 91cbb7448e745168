package org.lrp4j.train;

/** One epoch: training loss and accuracy, seconds, and the held-out evaluation (null if none). */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy, double seconds, Evaluation test) {
}
