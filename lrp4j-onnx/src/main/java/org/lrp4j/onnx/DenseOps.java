package org.lrp4j.onnx;

import static org.lrp4j.onnx.Protos.floatAttr;
import static org.lrp4j.onnx.Protos.intAttr;

import java.util.Arrays;
import java.util.List;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.layers.Add;
import org.lrp4j.layers.Binary;
import org.lrp4j.layers.Identity;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.MatMul;
import org.lrp4j.layers.Transpose;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.onnx.Val.Const;
import org.lrp4j.tensor.Tensor;

/**
 * Fully connected layers: ONNX Gemm and MatMul; lrp4j {@link Linear} (written as Gemm with transB = 1) and
 * {@link MatMul}. A Gemm or MatMul with a constant weight matrix becomes a Linear layer.
 */
record DenseOps() implements OpFamily {
    @Override
    public List<String> opTypes() {
        return List.of("Gemm", "MatMul");
    }

    @Override
    public void read(OnnxNode n) throws OnnxFormatException {
        if (n.opType().equals("Gemm")) {
            gemm(n);
        } else {
            matmul(n);
        }
    }

    @Override
    public boolean write(ExportNode e) {
        if (e.layer() instanceof Linear l) {
            List<String> ins = e.withInputs(e.floats("weight", l.weight().value()));
            if (l.bias() != null) {
                ins.add(e.floats("bias", l.bias().value()));
            }
            e.emit("Gemm", ins, floatAttr("alpha", 1f), floatAttr("beta", 1f), intAttr("transB", 1));
        } else if (e.layer() instanceof MatMul) {
            e.emit("MatMul", e.inputs());
        } else {
            return false;
        }
        return true;
    }

    private static void gemm(OnnxNode n) throws OnnxFormatException {
        float alpha = n.attrFloat("alpha", 1f);
        float beta = n.attrFloat("beta", 1f);
        boolean transA = n.attrInt("transA", 0) != 0;
        boolean transB = n.attrInt("transB", 0) != 0;
        Val av = n.required(0, "A");
        Val bv = n.required(1, "B");
        Val cv = n.in(2);
        if (av instanceof Const && bv instanceof Const && (cv == null || cv instanceof Const)) {
            throw n.fail("Gemm of constants only is not supported");
        }
        String a = n.computed(0, "A");
        if (transA) {
            a = n.step("transA", new Transpose(new int[] {1, 0}), List.of(a));
        }
        String y;
        boolean biasDone = false;
        if (bv instanceof Const) {
            Arr b = n.floatConstant(1, "B", 2);
            Tensor w = transB ? b.tensor() : b.tensor().transpose();
            if (alpha != 1f) {
                w = w.mul(alpha);
            }
            Tensor bias = null;
            if (cv instanceof Const) {
                Arr c = n.floatConstant(2, "C", -1);
                bias = biasVector(c, w.dim(0));
                if (bias != null) {
                    bias = beta != 1f ? bias.mul(beta) : bias;
                    biasDone = true;
                }
            } else if (cv == null) {
                biasDone = true;
            }
            Linear lin = new Linear(Variable.parameter(w), bias == null ? null : Variable.parameter(bias));
            if (biasDone) {
                n.addNode(lin, List.of(a));
                return;
            }
            y = n.step("matmul", lin, List.of(a));
        } else {
            String b = n.computed(1, "B");
            if (transB) {
                b = n.step("transB", new Transpose(new int[] {1, 0}), List.of(b));
            }
            y = n.step("matmul", new MatMul(), List.of(a, b));
            if (alpha != 1f) {
                y = n.step("alpha", Binary.withConstant(Binary.Kind.MUL, Tensor.scalar(alpha)), List.of(y));
            }
            biasDone = cv == null;
            if (biasDone) {
                n.addNode(new Identity(), List.of(y));
            }
        }
        if (!biasDone) {
            if (cv instanceof Const) {
                Tensor c = n.floatConstant(2, "C", -1).tensor();
                n.addNode(Binary.withConstant(Binary.Kind.ADD, beta != 1f ? c.mul(beta) : c), List.of(y));
            } else {
                String c = n.computed(2, "C");
                if (beta != 1f) {
                    c = n.step("beta", Binary.withConstant(Binary.Kind.MUL, Tensor.scalar(beta)), List.of(c));
                }
                n.addNode(new Add(), List.of(y, c));
            }
        }
    }

    /** C as a per-output bias vector [out] if it broadcasts that way ([], [1], [out], [1, out]), else null. */
    private static Tensor biasVector(Arr c, int outDim) {
        int size = c.size();
        boolean rowLike = c.rank() <= 1 || (c.rank() == 2 && c.dims[0] == 1);
        if (!rowLike) {
            return null;
        }
        if (size == outDim) {
            return Tensor.wrap(c.floats(), outDim);
        }
        if (size == 1) {
            return Tensor.full(c.floats()[0], outDim);
        }
        return null;
    }

    private static void matmul(OnnxNode n) throws OnnxFormatException {
        Val av = n.required(0, "A");
        Val bv = n.required(1, "B");
        if (av instanceof Comp a && bv instanceof Const) {
            Arr b = n.floatConstant(1, "B", -1);
            if (b.rank() != 2) {
                throw n.fail("a constant B must be a matrix [in, out], but has shape " + Arrays.toString(b.dims));
            }
            n.addNode(new Linear(Variable.parameter(b.tensor().transpose()), null), List.of(a.name()));
        } else if (av instanceof Comp && bv instanceof Comp) {
            n.emit(new MatMul(), av, bv);
        } else if (av instanceof Const && bv instanceof Const) {
            n.emit(new MatMul(), av, bv);
        } else {
            throw n.fail("a constant left operand with a computed right operand is not supported");
        }
    }
}
