package org.lrp4j.lrp.rules;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.lrp4j.autodiff.Variable;

/**
 * The weight-sized terms rules derive from a node's parameters (w+, w-, w^2, gamma-modified weights, the flat
 * rule's all-ones weights, and the input-independent denominators of flat, w^2 and z^B), kept for the lifetime of
 * one plan so that explaining batch after batch does not recompute or reallocate them.
 */
public final class DerivedWeights {
    private final Map<String, Variable> cache;

    private DerivedWeights(Map<String, Variable> cache) {
        this.cache = cache;
    }

    /** Keeps terms for reuse. */
    public static DerivedWeights cached() {
        return new DerivedWeights(new ConcurrentHashMap<>());
    }

    /** Computes every term afresh (for one-off use, and when gradients must flow through current weights). */
    public static DerivedWeights uncached() {
        return new DerivedWeights(null);
    }

    /** The term named {@code key} for node {@code node}, computed by {@code compute} the first time. */
    public Variable get(String node, String key, Supplier<Variable> compute) {
        if (cache == null) {
            return compute.get();
        }
        String k = node + "\u0000" + key;
        Variable v = cache.get(k);
        if (v == null) {
            v = compute.get();
            Variable prev = cache.putIfAbsent(k, v);
            if (prev != null) {
                v = prev;
            }
        }
        return v;
    }
}
