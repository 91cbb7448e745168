package org.lrp4j.cli;

import java.io.PrintStream;

import org.lrp4j.train.EpochResult;
import org.lrp4j.train.ProgressListener;

/** Training progress: one rewritten line on a terminal, a line every ten seconds otherwise. */
final class Progress implements ProgressListener {
    private final PrintStream out;
    private final boolean terminal;
    private long lastPrint;

    Progress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void batch(int epoch, int batch, int batches, double loss, double accuracy, long elapsedNanos) {
        long now = System.nanoTime();
        boolean due = terminal ? now - lastPrint > 200_000_000L : now - lastPrint > 10_000_000_000L;
        if (!due && batch != batches) {
            return;
        }
        lastPrint = now;
        double eta = elapsedNanos / 1e9 / batch * (batches - batch);
        String line = String.format("epoch %d  batch %d/%d  loss %.4f  acc %.2f%%  eta %.0fs", epoch, batch, batches,
                loss, 100 * accuracy, eta);
        if (terminal) {
            out.print("\r" + line + "   ");
            if (batch == batches) {
                out.println();
            }
        } else if (batch != batches) {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public void epoch(EpochResult r) {
        out.printf("epoch %d done in %.1fs: train loss %.4f acc %.2f%%%s%n", r.epoch(), r.seconds(), r.trainLoss(),
                100 * r.trainAccuracy(), r.test() == null ? ""
                        : String.format(", test loss %.4f acc %.2f%%", r.test().loss(), 100 * r.test().accuracy()));
        out.flush();
    }
}
