package org.lrp4j.tensor.kernel;

import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;

/**
 * The machine's peak rate of single-precision fused multiply-adds, measured: {@link FmaLoop} (the Vector API one
 * when available) on every thread at once, each thread a loop of independent FMAs on registers. The figure is
 * what the kernels could reach if they did nothing but multiply-adds, so a kernel's rate over it says how close
 * to the hardware it runs.
 *
 * <p>The loop is first run untimed on all threads for {@value #WARMUP_NS} ns so that it is compiled, then in
 * {@value #ROUNDS} rounds of {@value #ROUND_MS} ms in which all threads start together and count the iterations they
 * complete; the best round counts (other processes on a shared machine only ever slow a round down).
 */
public final class FmaPeak {
    private FmaPeak() {
    }

    private static final int ROUND_MS = 40;
    private static final int ROUNDS = 12;
    private static final long WARMUP_NS = 500_000_000L;
    /**
     * Loop iterations per call while warming up: many short calls get the loop compiled soonest (the Vector API
     * runs hundreds of times slower until the optimising compiler has compiled it).
     */
    private static final long WARMUP_CHUNK = 16;
    /** Loop iterations per timed call, a few microseconds: the clock is read between calls. */
    private static final long CHUNK = 4096;

    /** The measured peak: GFLOP/s over all threads, per thread, and the loop that reached it. */
    public record Result(double gflops, int threads, String kernel) {
        public double gflopsPerThread() {
            return gflops / threads;
        }
    }

    /** The peak with {@code threads} threads running the loop at once. */
    public static Result measure(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1 but was " + threads);
        }
        FmaLoop loop = VectorSupport.available() ? VectorSupport.vectorFmaLoop() : new ScalarFmaLoop();
        return new Run(loop, threads).best();
    }

    /** Worker threads that run the loop in rounds started together, each for a fixed time. */
    private static final class Run {
        final FmaLoop loop;
        final int threads;
        final CyclicBarrier start;
        final CyclicBarrier end;
        final float[] sink;
        /** Per worker, when it started and finished the current round (its own clock readings). */
        final long[] started;
        final long[] finished;
        /** Per worker, the loop iterations of the current round. */
        final long[] iterations;
        volatile long roundNanos;
        volatile long chunk;
        volatile boolean done;

        Run(FmaLoop loop, int threads) {
            this.loop = loop;
            this.threads = threads;
            this.start = new CyclicBarrier(threads + 1);
            this.end = new CyclicBarrier(threads + 1);
            this.sink = new float[threads];
            this.started = new long[threads];
            this.finished = new long[threads];
            this.iterations = new long[threads];
        }

        Result best() {
            Thread[] workers = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers[t] = new Thread(() -> work(id), "lrp4j-fma-peak-" + t);
                workers[t].setDaemon(true);
                workers[t].start();
            }
            try {
                roundNanos = WARMUP_NS; // until the loop is compiled
                chunk = WARMUP_CHUNK;
                round();
                roundNanos = ROUND_MS * 1_000_000L;
                chunk = CHUNK;
                double best = 0;
                for (int r = 0; r < ROUNDS; r++) {
                    best = Math.max(best, round());
                }
                done = true;
                start.await();
                return new Result(best, threads, loop.name());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while measuring the FMA peak", e);
            } catch (BrokenBarrierException e) {
                throw new IllegalStateException("FMA peak measurement failed", e);
            } finally {
                for (Thread w : workers) {
                    w.interrupt();
                }
            }
        }

        /**
         * One round on all workers; GFLOP/s over the time from the first worker's start to the last one's end, as
         * the workers read the clock themselves (this thread may be descheduled between the barriers).
         */
        private double round() throws InterruptedException, BrokenBarrierException {
            start.await();
            end.await();
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            long total = 0;
            for (int t = 0; t < threads; t++) {
                first = Math.min(first, started[t]);
                last = Math.max(last, finished[t]);
                total += iterations[t];
            }
            return total * (double) loop.flopsPerIteration() / Math.max(1, last - first);
        }

        private void work(int id) {
            float acc = 0f;
            try {
                while (true) {
                    start.await();
                    if (done) {
                        break;
                    }
                    long t0 = System.nanoTime();
                    long until = t0 + roundNanos;
                    long n = 0;
                    long now;
                    long c = chunk;
                    do {
                        acc += loop.run(c, id);
                        n += c;
                        now = System.nanoTime();
                    } while (now < until);
                    started[id] = t0;
                    finished[id] = now;
                    iterations[id] = n;
                    end.await();
                }
            } catch (InterruptedException | BrokenBarrierException e) {
                // the measurement ended
            }
            sink[id] = acc;
        }
    }
}
