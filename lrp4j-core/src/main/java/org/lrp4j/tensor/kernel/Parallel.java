package org.lrp4j.tensor.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.function.Supplier;

/**
 * Data-parallel loops for the kernels.
 *
 * <p>Work runs in the fork-join pool of the calling thread when there is one, otherwise in one shared pool
 * sized to the cores. So {@link #withThreads} limits a whole computation (every kernel it calls) to a
 * number of threads without any global setting: the computation simply runs inside a pool of that size.
 */
public final class Parallel {
    private Parallel() {
    }

    /** A body over the index range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final class SharedPool {
        static final ForkJoinPool POOL = new ForkJoinPool(Runtime.getRuntime().availableProcessors(),
                pool -> {
                    ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                    t.setName("lrp4j-worker-" + t.getPoolIndex());
                    t.setDaemon(true);
                    return t;
                }, null, false);
    }

    private static ForkJoinPool currentPool() {
        ForkJoinPool p = ForkJoinTask.getPool();
        return p != null ? p : SharedPool.POOL;
    }

    /** Threads available to kernels called from the current thread. */
    public static int threads() {
        return currentPool().getParallelism();
    }

    /**
     * Runs {@code body} over [0, n) split into contiguous chunks of at least {@code grain} indices, at most a few
     * chunks per thread. Runs inline when one chunk suffices.
     */
    public static void range(int n, int grain, RangeBody body) {
        if (n <= 0) {
            return;
        }
        int threads = threads();
        int maxChunks = threads == 1 ? 1 : threads * 4;
        int chunks = (int) Math.min(maxChunks, Math.max(1, n / (long) Math.max(1, grain)));
        if (chunks <= 1) {
            body.run(0, n);
            return;
        }
        List<RecursiveAction> tasks = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks);
            int to = (int) ((long) n * (c + 1) / chunks);
            tasks.add(new RecursiveAction() {
                private static final long serialVersionUID = 1L;

                @Override
                protected void compute() {
                    body.run(from, to);
                }
            });
        }
        if (ForkJoinTask.inForkJoinPool()) {
            ForkJoinTask.invokeAll(tasks);
        } else {
            SharedPool.POOL.invoke(new RecursiveAction() {
                private static final long serialVersionUID = 1L;

                @Override
                protected void compute() {
                    invokeAll(tasks);
                }
            });
        }
    }

    /** Runs {@code body} over [0, n) with one index per task unit: for coarse work items such as images or tiles. */
    public static void forEach(int n, java.util.function.IntConsumer body) {
        range(n, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                body.accept(i);
            }
        });
    }

    /** Runs a computation with every kernel it calls limited to {@code threads} threads. */
    public static <T> T withThreads(int threads, Supplier<T> computation) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1 but was " + threads);
        }
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return pool.submit(computation::get).join();
        } finally {
            pool.shutdown();
        }
    }

    /** Runs an action with every kernel it calls limited to {@code threads} threads. */
    public static void withThreads(int threads, Runnable action) {
        withThreads(threads, () -> {
            action.run();
            return null;
        });
    }
}
