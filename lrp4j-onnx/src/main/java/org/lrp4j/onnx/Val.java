package org.lrp4j.onnx;

/** What an ONNX tensor name stands for at import time: a constant, or a tensor the model graph computes. */
sealed interface Val {
    /** A constant; {@code a} and {@code b} are its values for the two probe batch sizes (the same if static). */
    record Const(Arr a, Arr b) implements Val {
        static Const of(Arr x) {
            return new Const(x, x);
        }

        /** A constant from its values for both probe batch sizes, sharing {@code a} when they are equal. */
        static Const both(Arr a, Arr b) {
            return new Const(a, b.sameAs(a) ? a : b);
        }

        boolean isStatic() {
            return a.sameAs(b);
        }
    }

    /** A tensor computed by the model graph. */
    record Comp(String name) implements Val {
    }
}
