package org.lrp4j.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.lrp4j.onnx.proto.Onnx.StringStringEntryProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto.DataType;

/**
 * Decodes ONNX TensorProtos (typed fields, raw_data, or external data in a file inside the model's folder) into
 * {@link Arr}s. Sizes are checked against the bytes present before anything is allocated; every problem is an
 * {@link OnnxFormatException} naming the file and the tensor.
 *
 * @param where what error messages start with (the file name)
 * @param dir   the model's folder, or null when the model was not loaded from a file (external data is rejected)
 */
record TensorDecoder(String where, Path dir) {

    private OnnxFormatException fail(String message) {
        return new OnnxFormatException(where + ": " + message);
    }

    private static int elementSize(int type) {
        return switch (type) {
            case DataType.FLOAT_VALUE, DataType.INT32_VALUE, DataType.UINT32_VALUE -> 4;
            case DataType.DOUBLE_VALUE, DataType.INT64_VALUE, DataType.UINT64_VALUE -> 8;
            case DataType.FLOAT16_VALUE, DataType.BFLOAT16_VALUE, DataType.INT16_VALUE, DataType.UINT16_VALUE -> 2;
            case DataType.INT8_VALUE, DataType.UINT8_VALUE, DataType.BOOL_VALUE -> 1;
            default -> -1;
        };
    }

    private static boolean isFloatType(int type) {
        return type == DataType.FLOAT_VALUE || type == DataType.DOUBLE_VALUE || type == DataType.FLOAT16_VALUE
                || type == DataType.BFLOAT16_VALUE;
    }

    /** Decodes a TensorProto; sizes are checked against the bytes present before anything is allocated. */
    Arr decode(TensorProto t) throws OnnxFormatException {
        String tn = "tensor '" + t.getName() + "'";
        int es = elementSize(t.getDataType());
        if (es < 0) {
            throw fail(tn + " has data type " + Protos.typeName(t.getDataType()) + ", which lrp4j does not support"
                    + " (supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, INT8/16/32/64, UINT8/16/32/64, BOOL)");
        }
        String shape = t.getDimsList().toString();
        int[] dims = new int[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = t.getDims(i);
            if (d < 0) {
                throw fail(tn + " has a negative dimension in " + shape);
            }
            count = d == 0 || count == 0 ? 0 : count * d;
            if (d > Integer.MAX_VALUE || count > Integer.MAX_VALUE - 8 || count < 0) {
                throw fail(tn + " has dimensions " + shape + ", more elements than lrp4j supports");
            }
            dims[i] = (int) d;
        }
        int cnt = (int) count;
        if (t.hasSegment()) {
            throw fail(tn + " is stored in segments, which lrp4j does not support");
        }
        ByteBuffer raw = t.hasRawData() ? t.getRawData().asReadOnlyByteBuffer() : null;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = external(t, (long) cnt * es);
        } else if (t.getUnknownFields().hasField(TensorProto.DATA_LOCATION_FIELD_NUMBER)) {
            throw fail(tn + " has an unknown data_location");
        }
        if (raw != null) {
            if (raw.remaining() != (long) cnt * es) {
                throw fail(tn + " of shape " + shape + " and type " + Protos.typeName(t.getDataType())
                        + " needs " + (long) cnt * es + " bytes but raw_data has " + raw.remaining());
            }
            return fromRaw(raw.duplicate().order(ByteOrder.LITTLE_ENDIAN), t.getDataType(), cnt, dims);
        }
        int present = switch (t.getDataType()) {
            case DataType.FLOAT_VALUE -> t.getFloatDataCount();
            case DataType.DOUBLE_VALUE -> t.getDoubleDataCount();
            case DataType.INT64_VALUE -> t.getInt64DataCount();
            case DataType.UINT32_VALUE, DataType.UINT64_VALUE -> t.getUint64DataCount();
            default -> t.getInt32DataCount();
        };
        if (present != cnt) {
            throw fail(tn + " of shape " + shape + " needs " + cnt + " values but holds " + present);
        }
        switch (t.getDataType()) {
            case DataType.FLOAT_VALUE: {
                float[] f = new float[cnt];
                for (int i = 0; i < cnt; i++) {
                    f[i] = t.getFloatData(i);
                }
                return Arr.floats(f, dims);
            }
            case DataType.DOUBLE_VALUE: {
                float[] f = new float[cnt];
                for (int i = 0; i < cnt; i++) {
                    f[i] = (float) t.getDoubleData(i);
                }
                return Arr.floats(f, dims);
            }
            case DataType.FLOAT16_VALUE:
            case DataType.BFLOAT16_VALUE: {
                float[] f = new float[cnt];
                for (int i = 0; i < cnt; i++) {
                    int bits = t.getInt32Data(i) & 0xffff;
                    f[i] = t.getDataType() == DataType.FLOAT16_VALUE ? half(bits) : Float.intBitsToFloat(bits << 16);
                }
                return Arr.floats(f, dims);
            }
            case DataType.INT64_VALUE: {
                long[] l = new long[cnt];
                for (int i = 0; i < cnt; i++) {
                    l[i] = t.getInt64Data(i);
                }
                return Arr.longs(l, dims);
            }
            case DataType.UINT32_VALUE:
            case DataType.UINT64_VALUE: {
                long[] l = new long[cnt];
                for (int i = 0; i < cnt; i++) {
                    l[i] = t.getUint64Data(i);
                }
                return Arr.longs(l, dims);
            }
            default: {
                long[] l = new long[cnt];
                for (int i = 0; i < cnt; i++) {
                    int v = t.getInt32Data(i);
                    l[i] = t.getDataType() == DataType.BOOL_VALUE ? (v != 0 ? 1 : 0) : v;
                }
                return Arr.longs(l, dims);
            }
        }
    }

    static float half(int h) {
        int s = (h >>> 15) & 1;
        int e = (h >>> 10) & 0x1f;
        int m = h & 0x3ff;
        float v;
        if (e == 0) {
            v = m * 0x1p-24f;
        } else if (e == 31) {
            v = m == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            v = Float.intBitsToFloat(((e - 15 + 127) << 23) | (m << 13));
        }
        return s == 1 ? -v : v;
    }

    private static Arr fromRaw(ByteBuffer b, int type, int cnt, int[] dims) {
        if (isFloatType(type)) {
            float[] f = new float[cnt];
            switch (type) {
                case DataType.FLOAT_VALUE -> b.asFloatBuffer().get(f);
                case DataType.DOUBLE_VALUE -> {
                    for (int i = 0; i < cnt; i++) {
                        f[i] = (float) b.getDouble();
                    }
                }
                case DataType.FLOAT16_VALUE -> {
                    for (int i = 0; i < cnt; i++) {
                        f[i] = half(b.getShort() & 0xffff);
                    }
                }
                default -> {
                    for (int i = 0; i < cnt; i++) {
                        f[i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                    }
                }
            }
            return Arr.floats(f, dims);
        }
        long[] l = new long[cnt];
        for (int i = 0; i < cnt; i++) {
            l[i] = switch (type) {
                case DataType.INT64_VALUE, DataType.UINT64_VALUE -> b.getLong();
                case DataType.INT32_VALUE -> b.getInt();
                case DataType.UINT32_VALUE -> b.getInt() & 0xffffffffL;
                case DataType.INT16_VALUE -> b.getShort();
                case DataType.UINT16_VALUE -> b.getShort() & 0xffff;
                case DataType.INT8_VALUE -> b.get();
                case DataType.UINT8_VALUE -> b.get() & 0xff;
                default -> b.get() != 0 ? 1 : 0;   // BOOL
            };
        }
        return Arr.longs(l, dims);
    }

    /** Reads external tensor data from a file inside the model's folder. */
    private ByteBuffer external(TensorProto t, long expected) throws OnnxFormatException {
        String tn = "tensor '" + t.getName() + "'";
        if (dir == null) {
            throw fail(tn + " keeps its data in an external file, but the model was not loaded from a file");
        }
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : t.getExternalDataList()) {
            try {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = Long.parseLong(e.getValue().trim());
                    case "length" -> length = Long.parseLong(e.getValue().trim());
                    default -> {
                    }
                }
            } catch (NumberFormatException ex) {
                throw fail(tn + ": external data " + e.getKey() + " '" + e.getValue() + "' is not a number");
            }
        }
        if (location == null || location.isEmpty()) {
            throw fail(tn + " has data_location EXTERNAL but no 'location'");
        }
        Path base;
        Path p;
        try {
            base = dir.toRealPath();
            Path rel = Path.of(location);
            if (rel.isAbsolute()) {
                throw fail(tn + ": external data location '" + location + "' must be relative to the model's folder");
            }
            p = base.resolve(rel).normalize();
            if (!p.startsWith(base)) {
                throw fail(tn + ": external data location '" + location + "' leaves the model's folder");
            }
            if (!Files.isRegularFile(p)) {
                throw fail(tn + ": external data file '" + location + "' does not exist");
            }
            if (!p.toRealPath().startsWith(base)) {
                throw fail(tn + ": external data location '" + location + "' leaves the model's folder");
            }
        } catch (java.nio.file.InvalidPathException e) {
            throw fail(tn + ": invalid external data location '" + location + "'");
        } catch (OnnxFormatException e) {
            throw e;
        } catch (IOException e) {
            throw fail(tn + ": cannot resolve external data '" + location + "': " + e);
        }
        if (length >= 0 && length != expected) {
            throw fail(tn + " needs " + expected + " bytes but its external data length is " + length);
        }
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            long size = ch.size();
            if (offset < 0 || offset > size || expected > size - offset) {
                throw fail(tn + ": external file '" + location + "' has " + size + " bytes, too few for " + expected
                        + " bytes at offset " + offset);
            }
            ByteBuffer b = ByteBuffer.allocate((int) expected);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw fail(tn + ": external file '" + location + "' ended early");
                }
            }
            b.flip();
            return b;
        } catch (OnnxFormatException e) {
            throw e;
        } catch (IOException e) {
            throw fail(tn + ": cannot read external data '" + location + "': " + e);
        }
    }
}
