package org.lrp4j.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;

import org.lrp4j.onnx.proto.Onnx.AttributeProto;
import org.lrp4j.onnx.proto.Onnx.AttributeProto.AttributeType;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.onnx.proto.Onnx.TensorShapeProto;
import org.lrp4j.onnx.proto.Onnx.TypeProto;
import org.lrp4j.onnx.proto.Onnx.ValueInfoProto;

/**
 * The glue between lrp4j and the protobuf-java classes generated from {@code src/main/proto/onnx.proto}: a guarded
 * parse, data type names, and builders for the few messages lrp4j writes.
 */
final class Protos {
    private Protos() {
    }

    /** Messages nested deeper than this are rejected (a forged file cannot exhaust the stack). */
    static final int MAX_DEPTH = 64;

    /**
     * Parses a model. Raw tensor data and strings are views of {@code bytes} (not copied), so {@code bytes} must not
     * change afterwards. A forged length, deep nesting or any other wire-format error fails with a one-line message.
     */
    static ModelProto parseModel(byte[] bytes) throws OnnxFormatException {
        return parseModel(UnsafeByteOperations.unsafeWrap(bytes));
    }

    /** Parses a model from bytes that must not change afterwards (raw tensor data and strings are views of them). */
    static ModelProto parseModel(ByteString bytes) throws OnnxFormatException {
        CodedInputStream in = bytes.newCodedInput();
        in.enableAliasing(true);
        in.setRecursionLimit(MAX_DEPTH);
        try {
            ModelProto m = ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxFormatException(describe(e), e);
        } catch (IOException e) {
            throw new OnnxFormatException("malformed protobuf: " + e.getMessage(), e);
        }
    }

    /**
     * The bytes of an ONNX file, mapped into memory (only the parts parsed are read, and raw tensor data is not copied
     * onto the heap), or a one-line reason why they cannot be read.
     */
    static ByteString readFile(Path file) throws OnnxFormatException {
        try {
            if (Files.isDirectory(file)) {
                throw new OnnxFormatException(file + ": is a directory, not an ONNX file");
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size > OnnxImporter.MAX_FILE_BYTES) {
                    throw new OnnxFormatException(file + ": " + size + " bytes is larger than an ONNX protobuf can be");
                }
                return UnsafeByteOperations.unsafeWrap(ch.map(FileChannel.MapMode.READ_ONLY, 0, size));
            }
        } catch (NoSuchFileException e) {
            throw new OnnxFormatException(file + ": no such file", e);
        } catch (OnnxFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new OnnxFormatException(file + ": cannot read: " + e, e);
        }
    }

    /** Parses a model and checks that it has a graph and a plausible IR version; messages start with {@code where}. */
    static ModelProto readModel(ByteString bytes, String where) throws OnnxFormatException {
        ModelProto mp;
        try {
            mp = parseModel(bytes);
        } catch (OnnxFormatException e) {
            throw new OnnxFormatException(where + ": not a valid ONNX model (" + e.getMessage() + ")", e);
        }
        if (!mp.hasGraph() || mp.getIrVersion() < 1 || mp.getIrVersion() > 100) {
            throw new OnnxFormatException(where + ": not an ONNX model (" + (!mp.hasGraph() ? "no graph"
                    : "ir_version " + mp.getIrVersion()) + ")");
        }
        return mp;
    }

    /** protobuf-java's messages say what went wrong over several sentences; ours say it in one short line. */
    private static String describe(InvalidProtocolBufferException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("ended unexpectedly") || m.contains("negative size") || m.contains("misreported")) {
            return "truncated or malformed protobuf: a field runs past the bytes that remain";
        }
        if (m.contains("levels of nesting")) {
            return "malformed protobuf: messages nested deeper than " + MAX_DEPTH;
        }
        if (m.contains("malformed varint")) {
            return "malformed protobuf: a varint longer than 10 bytes";
        }
        if (m.contains("invalid tag") || m.contains("invalid wire type") || m.contains("end-group tag")) {
            return "malformed protobuf: an invalid field tag or wire type";
        }
        int dot = m.indexOf(". ");
        return "malformed protobuf: " + (dot > 0 ? m.substring(0, dot) : m);
    }

    /** The name of a TensorProto.DataType value, e.g. "COMPLEX64". */
    static String typeName(int dataType) {
        TensorProto.DataType t = TensorProto.DataType.forNumber(dataType);
        return t == null ? "unknown(" + dataType + ")" : t.name();
    }

    // ------------------------------------------------------------------ value info

    /** Whether a value's type is declared as something other than a tensor (a sequence, map, ...). */
    static boolean isNonTensor(ValueInfoProto v) {
        TypeProto.ValueCase c = v.getType().getValueCase();
        return c != TypeProto.ValueCase.TENSOR_TYPE && c != TypeProto.ValueCase.VALUE_NOT_SET;
    }

    /** The declared element type of a tensor value (0 when not given). */
    static int elemType(ValueInfoProto v) {
        return v.getType().getTensorType().getElemType();
    }

    /** Whether a tensor value declares its shape. */
    static boolean hasShape(ValueInfoProto v) {
        return v.getType().getTensorType().hasShape();
    }

    /**
     * A tensor value; a {@link String} among {@code dims} is a symbolic dimension, a number a fixed one, and
     * {@code dims == null} declares no shape.
     */
    static ValueInfoProto tensorValue(String name, int elemType, Object... dims) {
        TypeProto.Tensor.Builder t = TypeProto.Tensor.newBuilder().setElemType(elemType);
        if (dims != null) {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            for (Object d : dims) {
                TensorShapeProto.Dimension.Builder b = s.addDimBuilder();
                if (d instanceof String p) {
                    b.setDimParam(p);
                } else {
                    b.setDimValue(((Number) d).longValue());
                }
            }
            t.setShape(s);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(t)).build();
    }

    // ------------------------------------------------------------------ tensors and attributes

    /** A float tensor stored in raw_data (little-endian). */
    static TensorProto floatTensor(String name, float[] values, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addAllDims(Arrays.stream(dims).boxed().toList())
                .setRawData(UnsafeByteOperations.unsafeWrap(b.array())).build();
    }

    /** An int64 tensor stored in int64_data. */
    static TensorProto longTensor(String name, long[] values, long... dims) {
        return TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE)
                .addAllDims(Arrays.stream(dims).boxed().toList())
                .addAllInt64Data(Arrays.stream(values).boxed().toList()).build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(v).build();
    }

    static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto intsAttr(String name, long... v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS)
                .addAllInts(Arrays.stream(v).boxed().toList()).build();
    }

    static AttributeProto stringAttr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING)
                .setS(ByteString.copyFrom(v, StandardCharsets.UTF_8)).build();
    }
}
