package org.lrp4j.autodiff;

/**
 * Switches recording of operations off for the current thread, as {@code torch.no_grad()} does:
 * <pre>{@code
 * try (GradMode.Scope s = GradMode.disabled()) {
 *     Variable y = model.forward(x);   // nothing is recorded, no graph is kept alive
 * }
 * }</pre>
 * The flag is per thread on purpose: recording happens on the thread that builds the graph (kernels running
 * on pool threads never record), and two threads can explain and train independently.
 */
public final class GradMode {
    private GradMode() {
    }

    private static final ThreadLocal<int[]> DISABLED_DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    /** Whether operations on this thread record a graph. */
    public static boolean isEnabled() {
        return DISABLED_DEPTH.get()[0] == 0;
    }

    /** Disables recording until the returned scope is closed; scopes nest. */
    public static Scope disabled() {
        int[] depth = DISABLED_DEPTH.get();
        int saved = depth[0];
        depth[0]++;
        return new Scope(depth, saved);
    }

    /** Enables recording until the returned scope is closed, even inside a disabled scope. */
    public static Scope enabled() {
        int[] depth = DISABLED_DEPTH.get();
        int saved = depth[0];
        depth[0] = 0;
        return new Scope(depth, saved);
    }

    /** Restores the previous mode when closed. */
    public static final class Scope implements AutoCloseable {
        private final int[] depth;
        private final int saved;
        private boolean closed;

        private Scope(int[] depth, int saved) {
            this.depth = depth;
            this.saved = saved;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                depth[0] = saved;
            }
        }
    }
}
