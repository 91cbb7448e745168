package org.lrp4j.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar with ETA on stderr: one rewritten line on a terminal (five times a second at most), a plain line
 * every ten seconds otherwise (logs, CI), and a final line when done.
 */
final class ProgressBar {
    private final PrintStream out;
    private final String what;
    private final String unit;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastPrint;

    ProgressBar(PrintStream out, String what, String unit) {
        this.out = out;
        this.what = what;
        this.unit = unit;
        this.terminal = System.console() != null;
        this.lastPrint = start;
    }

    synchronized void update(long done, long total) {
        long now = System.nanoTime();
        boolean finished = done >= total;
        boolean due = now - lastPrint > (terminal ? 200_000_000L : 10_000_000_000L);
        if (!due && !finished) {
            return;
        }
        lastPrint = now;
        double elapsed = (now - start) / 1e9;
        double eta = done > 0 ? elapsed / done * (total - done) : Double.NaN;
        int width = 30;
        int filled = total > 0 ? (int) (width * done / total) : width;
        String bar = "#".repeat(filled) + ".".repeat(width - filled);
        String line = String.format(Locale.ROOT, "%s [%s] %d/%d %s  %.1fs%s", what, bar, done, total, unit, elapsed,
                finished ? "" : Double.isNaN(eta) ? "" : String.format(Locale.ROOT, "  eta %.0fs", eta));
        if (terminal) {
            out.print("\r" + line + "   ");
            if (finished) {
                out.println();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }
}
