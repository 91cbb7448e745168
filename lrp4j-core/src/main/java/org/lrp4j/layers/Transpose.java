package org.lrp4j.layers;

import java.util.Arrays;
import java.util.List;

import org.lrp4j.autodiff.Ops;
import org.lrp4j.autodiff.Variable;

/** Permutes the axes (ONNX Transpose): output axis i is input axis perm[i]. */
public record Transpose(int[] perm) implements Layer {

    public Transpose {
        perm = perm.clone();
    }

    @Override
    public int[] perm() {
        return perm.clone();
    }

    @Override
    public String opType() {
        return "Transpose";
    }

    @Override
    public Role role() {
        return Role.LAYOUT;
    }

    @Override
    public List<Variable> transposedJacobian(List<Variable> inputs, Variable output, Variable v) {
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[inputs.get(0).shape().normalizeAxis(perm[i])] = i;
        }
        return List.of(Ops.permute(v, inverse));
    }

    @Override
    public Variable forward(List<Variable> inputs, ForwardContext context) {
        return Ops.permute(inputs.get(0), perm);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transpose t && Arrays.equals(perm, t.perm);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(perm);
    }

    @Override
    public String toString() {
        return "Transpose[perm=" + Arrays.toString(perm) + "]";
    }
}
