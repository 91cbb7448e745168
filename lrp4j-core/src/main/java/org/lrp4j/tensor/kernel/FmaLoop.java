package org.lrp4j.tensor.kernel;

/**
 * A loop of independent fused multiply-adds with nothing else in it: what a core can do at best. Each call runs
 * {@code iterations} rounds of {@link #flopsPerIteration()} / 2 multiply-adds on values that stay in registers and
 * returns their sum, so the work cannot be optimised away.
 */
interface FmaLoop {
    /** Floating-point operations per iteration (a multiply-add counts 2). */
    long flopsPerIteration();

    /** Runs the loop; {@code seed} varies the values, the result depends on all of them. */
    float run(long iterations, float seed);

    /** A short name for reports, e.g. "vector512". */
    String name();
}
