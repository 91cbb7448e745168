package org.lrp4j.onnx;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import org.lrp4j.tensor.Tensor;

/** ONNX Runtime as the test oracle. */
final class Ort {
    private Ort() {
    }

    static Tensor run(Path model, String input, Tensor x) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model.toString(), o)) {
                return run(env, s, input, x);
            }
        }
    }

    static Tensor run(byte[] model, String input, Tensor x) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession s = env.createSession(model, o)) {
                return run(env, s, input, x);
            }
        }
    }

    private static Tensor run(OrtEnvironment env, OrtSession s, String input, Tensor x) throws OrtException {
        long[] shape = java.util.Arrays.stream(x.dims()).asLongStream().toArray();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toArray()), shape);
             OrtSession.Result r = s.run(Map.of(input, t))) {
            OnnxTensor out = (OnnxTensor) r.get(0);
            long[] os = out.getInfo().getShape();
            FloatBuffer fb = out.getFloatBuffer();
            float[] d = new float[fb.remaining()];
            fb.get(d);
            return Tensor.wrap(d, java.util.Arrays.stream(os).mapToInt(v -> (int) v).toArray());
        }
    }

    /** max |a - b| / max |b|. */
    static double relDiff(Tensor a, Tensor b) {
        if (!a.shape().equals(b.shape())) {
            throw new AssertionError("shapes differ: " + a.shape() + " vs " + b.shape());
        }
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < a.size(); i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) a.getFlat(i) - b.getFlat(i)));
            maxAbs = Math.max(maxAbs, Math.abs((double) b.getFlat(i)));
        }
        return maxDiff / Math.max(maxAbs, 1e-30);
    }
}
