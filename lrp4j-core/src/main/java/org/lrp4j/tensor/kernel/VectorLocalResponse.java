package org.lrp4j.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** {@link LocalResponse.Row} with the Vector API; only loaded when {@link VectorSupport#available()}. */
final class VectorLocalResponse implements LocalResponse.Row {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public void normalize(LocalResponse.Spec s, float[] sum, int len, float[] x, int xo, float[] y, float[] scale,
            float[] inverse, int o) {
        int vl = S.length();
        float beta = s.beta();
        FloatVector one = FloatVector.broadcast(S, 1f);
        int i = 0;
        for (; i + vl <= len; i += vl) {
            FloatVector d = FloatVector.fromArray(S, sum, i).mul(s.a()).add(s.bias());
            FloatVector p;
            if (beta == 0.75f) {
                FloatVector r = d.sqrt();
                p = one.div(r.mul(r.sqrt())); // r sqrt(r) = d^0.75
            } else if (beta == 0.5f) {
                p = one.div(d.sqrt());
            } else if (beta == 1f) {
                p = one.div(d);
            } else {
                p = d.pow(-beta);
            }
            p.intoArray(scale, o + i);
            one.div(d).intoArray(inverse, o + i);
            FloatVector.fromArray(S, x, xo + i).mul(p).intoArray(y, o + i);
        }
        for (; i < len; i++) {
            float d = s.bias() + s.a() * sum[i];
            float p = LocalResponse.negativePower(d, beta);
            scale[o + i] = p;
            inverse[o + i] = 1f / d;
            y[o + i] = x[xo + i] * p;
        }
    }
}
