package org.lrp4j.layers;

/**
 * What a layer is to the explanation engines, stated once by each layer ({@link Layer#role()}); the default LRP rules
 * of {@code Composites.structural()}, the {@code linear} node selectors, the {@code norm} rule's domain and the
 * deep-taylor input domains derive from it instead of keeping their own lists of op types.
 */
public enum Role {
    /** Linear with weights (Conv, Gemm): the weighted LRP rules (epsilon, zplus, gamma, ...) apply. */
    WEIGHTED,
    /** Elementwise activation (Relu, LeakyRelu, Tanh, Sigmoid, Clip, Softmax): relevance passes unchanged. */
    ACTIVATION,
    /**
     * Moves or copies values without arithmetic (Flatten, Reshape, Identity, Dropout, Transpose, Squeeze,
     * Unsqueeze): relevance passes unchanged; keeps the sign of its input.
     */
    LAYOUT,
    /** Parameter-free averaging (AveragePool, GlobalAveragePool): the norm rule; keeps the sign of its input. */
    AVERAGING,
    /** Parameter-free linear combination of inputs (Add, Concat, Pad): the gradient unless canonized. */
    COMBINING,
    /** Routes each output to one input (MaxPool): the gradient; keeps the sign of its input. */
    ROUTING,
    /** Local renormalisation (LRN): the first-order Taylor rule; keeps the sign of its input. */
    RENORMALIZATION,
    /** Anything else (BatchNormalization unless merged, Sub, Mul, Div, MatMul): the gradient. */
    OTHER;

    /** Parameter-free and linear: the norm rule's domain. */
    public boolean linearParameterFree() {
        return this == LAYOUT || this == AVERAGING || this == COMBINING;
    }

    /** The output has the sign of the input, elementwise or per routed value. */
    public boolean keepsSign() {
        return this == LAYOUT || this == AVERAGING || this == ROUTING || this == RENORMALIZATION;
    }
}
