package org.lrp4j.train;

/** Mean loss and accuracy of a model on a data set. */
public record Evaluation(double loss, double accuracy, int samples) {
}
