package org.lrp4j.onnx;

import static org.lrp4j.onnx.OnnxNode.toInt;
import static org.lrp4j.onnx.Protos.floatAttr;
import static org.lrp4j.onnx.Protos.intAttr;

import java.util.List;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.layers.BatchNorm;
import org.lrp4j.layers.LocalResponseNorm;

/**
 * Normalisation: ONNX BatchNormalization (inference form) and LRN; lrp4j {@link BatchNorm} and
 * {@link LocalResponseNorm}.
 */
record NormOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("BatchNormalization", "LRN");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        if (n.opType().equals("LRN")) {
            lrn(n);
        } else {
            batchNorm(n);
        }
    }

    @Override
    public boolean write(ExportNode e) {
        if (e.layer() instanceof BatchNorm b) {
            e.emit("BatchNormalization", e.withInputs(e.floats("scale", b.scale().value()),
                    e.floats("bias", b.bias().value()), e.floats("running_mean", b.runningMean()),
                    e.floats("running_var", b.runningVar())), floatAttr("epsilon", b.epsilon()),
                    floatAttr("momentum", 1f - b.momentum()));
        } else if (e.layer() instanceof LocalResponseNorm r) {
            e.emit("LRN", e.inputs(), intAttr("size", r.size()), floatAttr("alpha", r.alpha()),
                    floatAttr("beta", r.beta()), floatAttr("bias", r.k()));
        } else {
            return false;
        }
        return true;
    }

    private static void batchNorm(OnnxNode n) throws OnnxFormatException {
        n.onlyFirstOutput();
        if (n.attrInt("training_mode", 0) != 0) {
            throw n.fail("training_mode = 1 is not supported (inference form only)");
        }
        Arr scale = n.floatConstant(1, "scale", 1);
        Arr bias = n.floatConstant(2, "B", 1);
        Arr mean = n.floatConstant(3, "mean", 1);
        Arr var = n.floatConstant(4, "var", 1);
        float eps = n.attrFloat("epsilon", 1e-5f);
        n.emit(new BatchNorm(Variable.parameter(scale.tensor()), Variable.parameter(bias.tensor()), mean.tensor(),
                var.tensor(), eps, torchMomentum(n.attrFloat("momentum", 0.9f))), n.required(0, "X"));
    }

    /** ONNX momentum weighs the running statistic, PyTorch's (lrp4j's) the new batch statistic. */
    private static float torchMomentum(float onnxMomentum) {
        return onnxMomentum == 0.9f || !(onnxMomentum >= 0f && onnxMomentum <= 1f) ? 0.1f : 1f - onnxMomentum;
    }

    private static void lrn(OnnxNode n) throws OnnxFormatException {
        long size = n.attrInt("size", -1);
        if (size < 1) {
            throw n.fail("attribute 'size' is missing or not positive");
        }
        n.emit(new LocalResponseNorm(toInt(size, "size"), n.attrFloat("alpha", 1e-4f), n.attrFloat("beta", 0.75f),
                n.attrFloat("bias", 1f)), n.required(0, "X"));
    }
}
