package org.lrp4j.tensor.kernel;

import java.lang.ref.SoftReference;

/**
 * Work arrays that the kernels reuse from call to call on the same thread: packed GEMM panels, im2col column
 * blocks and staging blocks. Without them every convolution allocated (and the JVM zeroed) its blocks afresh:
 * about 200 MB per explanation of a batch of 256 small images, a third of all allocation, paid in memory
 * bandwidth and collections.
 *
 * <p>Nothing observable is kept: a lease hands out an array whose contents are garbage, and callers write every
 * element they later read. Arrays above {@link #MAX_KEPT} floats are never kept, and kept ones are held softly,
 * so the collector reclaims them when memory runs short. A slot that is already leased on this thread (a kernel
 * reached again from a fork-join task the thread picked up while waiting) hands out a fresh array instead.
 */
final class Scratch {
    /** Largest array kept per slot and thread: 32 MB. */
    static final int MAX_KEPT = 8 << 20;

    /** What an array is for; each slot holds one array, so a kernel can lease several at once. */
    enum Slot {
        PACKED_A, PACKED_B, COLUMNS, STAGING
    }

    private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);

    @SuppressWarnings("unchecked")
    private final SoftReference<float[]>[] kept = new SoftReference[Slot.values().length];
    private final boolean[] leased = new boolean[Slot.values().length];

    private Scratch() {
    }

    /** An array of at least {@code size} floats with unspecified contents; close the lease when done. */
    static Lease lease(Slot slot, int size) {
        Scratch s = LOCAL.get();
        int i = slot.ordinal();
        if (s.leased[i] || size > MAX_KEPT) {
            return new Lease(null, -1, new float[size]);
        }
        float[] a = s.kept[i] == null ? null : s.kept[i].get();
        if (a == null || a.length < size) {
            a = new float[size];
            s.kept[i] = new SoftReference<>(a);
        }
        s.leased[i] = true;
        return new Lease(s, i, a);
    }

    /** A leased array; closing it returns the slot. */
    static final class Lease implements AutoCloseable {
        private final Scratch owner;
        private final int slot;
        private final float[] array;

        private Lease(Scratch owner, int slot, float[] array) {
            this.owner = owner;
            this.slot = slot;
            this.array = array;
        }

        float[] array() {
            return array;
        }

        @Override
        public void close() {
            if (owner != null) {
                owner.leased[slot] = false;
            }
        }
    }
}
