package org.lrp4j.onnx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ONNX operators of one family (dense, convolution, pooling, ...) with both directions side by side: how an
 * ONNX node of the family becomes lrp4j layers (or a folded constant), and how an lrp4j layer of the family is
 * written back as ONNX nodes. To support a new operator, add it to the family that fits (or a new family here).
 */
sealed interface OpFamily permits DenseOps, ConvOps, PoolOps, ActivationOps, ArithmeticOps, NormOps, LayoutOps,
        PassThroughOps, ConstantOps {

    /** Every family, in the order the exporter asks them. */
    List<OpFamily> ALL = List.of(new DenseOps(), new ConvOps(), new PoolOps(), new ActivationOps(),
            new ArithmeticOps(), new NormOps(), new LayoutOps(), new PassThroughOps(), new ConstantOps());

    /** The family that imports each ONNX operator type (default domain). */
    Map<String, OpFamily> BY_OP_TYPE = byOpType();

    /** The ONNX operators lrp4j imports, in alphabetical order. */
    List<String> SUPPORTED = BY_OP_TYPE.keySet().stream().sorted().toList();

    /** The ONNX operator types (default domain) this family imports. */
    List<String> opTypes();

    /** Imports one ONNX node whose operator is one of {@link #opTypes()}. */
    void read(OnnxNode n) throws OnnxFormatException;

    /** Writes the node's layer as ONNX if it belongs to this family; false if it does not. */
    boolean write(ExportNode e);

    private static Map<String, OpFamily> byOpType() {
        Map<String, OpFamily> m = new HashMap<>();
        for (OpFamily f : ALL) {
            for (String op : f.opTypes()) {
                if (m.put(op, f) != null) {
                    throw new IllegalStateException("ONNX operator " + op + " is imported by two families");
                }
            }
        }
        return Map.copyOf(m);
    }
}
