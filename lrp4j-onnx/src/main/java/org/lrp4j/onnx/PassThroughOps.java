package org.lrp4j.onnx;

import java.util.List;

import org.lrp4j.layers.Dropout;
import org.lrp4j.layers.Identity;
import org.lrp4j.onnx.Val.Const;

/**
 * Operators that pass their input on at inference: ONNX Identity and Dropout; lrp4j {@link Identity} and
 * {@link Dropout}.
 */
record PassThroughOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("Dropout", "Identity");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        if (n.opType().equals("Dropout")) {
            dropout(n);
        } else {
            identity(n);
        }
    }

    @Override
    public boolean write(ExportNode e) {
        if (e.layer() instanceof Identity) {
            e.emit("Identity", e.inputs());
        } else if (e.layer() instanceof Dropout d) {
            e.emit("Dropout", e.withInputs(e.scalar("ratio", d.p())));
        } else {
            return false;
        }
        return true;
    }

    private static void dropout(OnnxNode n) throws OnnxFormatException {
        n.onlyFirstOutput();
        float ratio;
        if (n.opset() < 12) {
            ratio = n.attrFloat("ratio", 0.5f);
        } else {
            Arr r = n.optionalConstant(1, "ratio");
            ratio = r == null ? 0.5f : (float) r.get(0);
            Arr tm = n.optionalConstant(2, "training_mode");
            if (tm != null && tm.size() > 0 && tm.get(0) != 0) {
                throw n.fail("training_mode = true is not supported (inference only)");
            }
        }
        Val x = n.required(0, "data");
        if (x instanceof Const c) {
            n.define(c);
            return;
        }
        n.emit(new Dropout(ratio), x);
    }

    private static void identity(OnnxNode n) throws OnnxFormatException {
        Val x = n.required(0, "input");
        if (x instanceof Const c) {
            n.define(c);
        } else {
            n.emit(new Identity(), x);
        }
    }
}
