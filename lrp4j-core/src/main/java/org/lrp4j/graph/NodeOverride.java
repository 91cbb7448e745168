package org.lrp4j.graph;

import java.util.List;

import org.lrp4j.autodiff.Variable;

/**
 * Computes a node's output in place of its layer during a traced forward pass, for a caller that needs parts of
 * that computation again later (LRP's alpha-beta rule computes the output as the sum of its positive and negative
 * parts, which it needs anyway). Returns null to let the layer run.
 */
@FunctionalInterface
public interface NodeOverride {
    Variable forward(Node node, List<Variable> inputs);
}
