package org.lrp4j.onnx;

import java.nio.file.Path;
import java.util.List;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

import org.lrp4j.graph.Model;

/**
 * Reads an ONNX file into an lrp4j {@link Model}. Node names, graph order, the input name and per-sample input
 * shape, and the output names are kept; weights become layer parameters. Shape arithmetic that exporters write
 * (Shape, Gather, Unsqueeze, Concat, Cast, Slice, ... feeding a Reshape) is folded to constants at import, with the
 * batch dimension kept dynamic. See {@link #supportedOperators()}.
 *
 * <p>Every problem (missing or truncated file, not ONNX, forged sizes, unsupported operator or data type, a cycle
 * or dangling input) is reported as an {@link OnnxFormatException} whose message names the file and, where there is
 * one, the node and operator.
 */
public final class OnnxImporter {
    private OnnxImporter() {
    }

    /** ONNX files above this size are rejected (protobuf's own limit is 2 GB; use external data for more). */
    public static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 8;

    /** Loads an ONNX model; external tensor data is read from files beside it. */
    public static Model load(Path file) throws OnnxFormatException {
        String where = String.valueOf(file.getFileName());
        ByteString bytes = Protos.readFile(file);
        Path dir = file.toAbsolutePath().getParent();
        String name = where.endsWith(".onnx") ? where.substring(0, where.length() - 5) : where;
        return new Importer(where, dir, name).run(bytes);
    }

    /** Loads an ONNX model from bytes; tensors with external data are rejected (there is no folder to read). */
    public static Model load(byte[] bytes, String name) throws OnnxFormatException {
        return new Importer(name, null, name).run(UnsafeByteOperations.unsafeWrap(bytes));
    }

    /** The ONNX operators (default domain) lrp4j imports, in alphabetical order. */
    public static List<String> supportedOperators() {
        return OpFamily.SUPPORTED;
    }
}
