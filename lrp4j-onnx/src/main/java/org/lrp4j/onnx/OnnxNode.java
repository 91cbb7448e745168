package org.lrp4j.onnx;

import java.util.ArrayList;
import java.util.List;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.autodiff.Variable;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.layers.Layer;
import org.lrp4j.onnx.Val.Comp;
import org.lrp4j.onnx.Val.Const;
import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.onnx.proto.Onnx.AttributeProto.AttributeType;
import org.lrp4j.onnx.proto.Onnx.NodeProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;

/**
 * One ONNX node being imported, as the converters of {@link OpFamily} see it: its inputs (constants or computed
 * tensors), its attributes, and the ways to define its output (a folded constant, or lrp4j nodes added to the
 * model). Errors name the file, the node and its operator.
 *
 * @param proto  the ONNX node
 * @param name   the lrp4j node name (the ONNX name, or {@code <op>_<index>}, made unique)
 * @param importer the import the node belongs to
 */
record OnnxNode(NodeProto proto, String name, Importer importer) {

    String opType() {
        return proto.getOpType();
    }

    /** The opset of the default ONNX domain the model imports. */
    int opset() {
        return importer.opset();
    }

    OnnxFormatException fail(String message) {
        return importer.fail("node '" + name + "' (" + opType() + "): " + message);
    }

    // ------------------------------------------------------------------ inputs

    /** Input {@code i}, or null when it is absent or empty. */
    Val in(int i) {
        if (i >= proto.getInputCount() || proto.getInput(i).isEmpty()) {
            return null;
        }
        return importer.value(proto.getInput(i));
    }

    Val required(int i, String role) throws OnnxFormatException {
        Val v = in(i);
        if (v == null) {
            throw fail("input " + i + " (" + role + ") is missing");
        }
        return v;
    }

    String computed(int i, String role) throws OnnxFormatException {
        Val v = required(i, role);
        if (v instanceof Comp c) {
            return c.name();
        }
        throw fail("input " + i + " (" + role + ") must be computed from the graph input, but it is a constant");
    }

    Arr constant(int i, String role) throws OnnxFormatException {
        Val v = required(i, role);
        if (v instanceof Const c) {
            if (!c.isStatic()) {
                throw fail("input " + i + " (" + role + ") depends on the batch size; lrp4j needs it fixed");
            }
            return c.a();
        }
        throw fail("input " + i + " (" + role + ") must be a constant (an initializer or folded shape"
                + " arithmetic), but it is computed from the graph input");
    }

    Arr optionalConstant(int i, String role) throws OnnxFormatException {
        return in(i) == null ? null : constant(i, role);
    }

    /** A constant input as float32, of the given rank (any rank if negative). */
    Arr floatConstant(int i, String role, int rank) throws OnnxFormatException {
        Arr a = constant(i, role);
        if (rank >= 0 && a.rank() != rank) {
            throw fail(role + " must have rank " + rank + " but has shape " + java.util.Arrays.toString(a.dims));
        }
        return a.isFloat() ? a : Arr.floats(a.floats(), a.dims);
    }

    /** The rank of an input value (probing shapes for a computed one). */
    int rank(Val x) throws OnnxFormatException {
        return x instanceof Const c ? c.a().rank() : probeDims(((Comp) x).name(), 0).length;
    }

    /** The dimensions of a computed tensor for probe batch size {@link Importer#PROBE_A} (k = 0) or B (k = 1). */
    int[] probeDims(String tensor, int k) throws OnnxFormatException {
        return importer.probe(tensor, this)[k].dims();
    }

    /** Decodes a tensor held in an attribute. */
    Arr decode(TensorProto t) throws OnnxFormatException {
        return importer.decode(t);
    }

    // ------------------------------------------------------------------ attributes

    AttributeProto attr(String attrName) {
        for (AttributeProto a : proto.getAttributeList()) {
            if (a.getName().equals(attrName)) {
                return a;
            }
        }
        return null;
    }

    /** The attribute, or null if absent; fails if it is declared with another type. */
    private AttributeProto typed(String attrName, AttributeType type, String what) throws OnnxFormatException {
        AttributeProto a = attr(attrName);
        if (a != null && a.getType() != type && a.getType() != AttributeType.UNDEFINED) {
            throw fail("attribute '" + attrName + "' must be " + what);
        }
        return a;
    }

    long attrInt(String attrName, long def) throws OnnxFormatException {
        AttributeProto a = typed(attrName, AttributeType.INT, "an int");
        return a == null ? def : a.getI();
    }

    float attrFloat(String attrName, float def) throws OnnxFormatException {
        AttributeProto a = attr(attrName);
        if (a != null && a.getType() == AttributeType.INT) {
            return a.getI();
        }
        a = typed(attrName, AttributeType.FLOAT, "a float");
        return a == null ? def : a.getF();
    }

    long[] attrInts(String attrName, long[] def) throws OnnxFormatException {
        AttributeProto a = typed(attrName, AttributeType.INTS, "a list of ints");
        return a == null ? def : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    String attrString(String attrName, String def) throws OnnxFormatException {
        AttributeProto a = typed(attrName, AttributeType.STRING, "a string");
        return a == null ? def : a.getS().toStringUtf8();
    }

    /** Integers given as an attribute (before {@code sinceOpset}) or as a constant input (from it on). */
    long[] intsAttrOrInput(String attrName, int input, int sinceOpset) throws OnnxFormatException {
        if (opset() < sinceOpset || attr(attrName) != null) {
            return attrInts(attrName, null);   // from sinceOpset on tolerated: some exporters keep the attribute
        }
        Arr a = optionalConstant(input, attrName);
        return a == null ? null : a.longs();
    }

    static int toInt(long v, String what) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " " + v + " is out of range");
        }
        return (int) v;
    }

    static int[] toInts(long[] v, String what) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = toInt(v[i], what);
        }
        return r;
    }

    // ------------------------------------------------------------------ outputs

    /** The name of the node's (first) output. */
    String out() {
        return proto.getOutput(0);
    }

    /** Extra outputs (MaxPool indices, Dropout mask, ...) must be unused. */
    void onlyFirstOutput() throws OnnxFormatException {
        for (int i = 1; i < proto.getOutputCount(); i++) {
            String o = proto.getOutput(i);
            if (!o.isEmpty() && importer.isConsumed(o)) {
                throw fail("output " + i + " ('" + o + "') is used, but lrp4j only computes the first output");
            }
        }
    }

    /** The output is a constant. */
    void define(Const value) {
        importer.define(out(), value);
    }

    /** The output is computed by {@code layer} from the computed tensors {@code inputs}: an lrp4j node. */
    void addNode(Layer layer, List<String> inputs) {
        importer.addNode(name, layer, inputs, out());
    }

    /**
     * A helper lrp4j node before the node's own ({@code <name>/<suffix>}, writing {@code <output>/<suffix>}); returns
     * the tensor it writes.
     */
    String step(String suffix, Layer layer, List<String> inputs) {
        String t = out() + "/" + suffix;
        importer.addNode(importer.uniqueName(name + "/" + suffix), layer, inputs, t);
        return t;
    }

    /** The node is {@code layer} applied to its input 0 (extra outputs unused). */
    void unary(Layer layer) throws OnnxFormatException {
        onlyFirstOutput();
        emit(layer, required(0, "input"));
    }

    /**
     * Emits {@code layer} as the node's computation on the given inputs; if every input is a constant, the layer is
     * evaluated now and its output is a constant.
     */
    void emit(Layer layer, Val... ins) throws OnnxFormatException {
        boolean allConst = true;
        boolean anyConst = false;
        for (Val v : ins) {
            allConst &= v instanceof Const;
            anyConst |= v instanceof Const;
        }
        if (allConst) {
            Arr[] res = new Arr[2];
            for (int k = 0; k < 2; k++) {
                List<Variable> vs = new ArrayList<>();
                for (Val v : ins) {
                    Const c = (Const) v;
                    vs.add(Variable.constant((k == 0 ? c.a() : c.b()).tensor()));
                }
                try (GradMode.Scope s = GradMode.disabled()) {
                    res[k] = Arr.of(layer.forward(vs, ForwardContext.inference()).value());
                }
            }
            define(Const.both(res[0], res[1]));
            return;
        }
        if (anyConst) {
            throw fail("mixes constant and computed inputs, which lrp4j does not support for this operator");
        }
        List<String> names = new ArrayList<>();
        for (Val v : ins) {
            names.add(((Comp) v).name());
        }
        addNode(layer, names);
    }

    /** A function of constant arrays. */
    interface ArrFn {
        Arr apply(Arr[] args);
    }

    /** Folds an operator whose inputs are all constants, for both probe batch sizes. */
    Const foldBoth(ArrFn fn, int... inputIdx) throws OnnxFormatException {
        Arr[] a = new Arr[inputIdx.length];
        Arr[] b = new Arr[inputIdx.length];
        boolean same = true;
        for (int i = 0; i < inputIdx.length; i++) {
            Val v = required(inputIdx[i], "operand");
            if (!(v instanceof Const c)) {
                throw fail("lrp4j supports " + opType() + " only on constants (shape arithmetic), but input "
                        + inputIdx[i] + " is computed from the graph input");
            }
            a[i] = c.a();
            b[i] = c.b();
            same &= c.a() == c.b();
        }
        Arr ra = fn.apply(a);
        return Const.both(ra, same ? ra : fn.apply(b));
    }
}
