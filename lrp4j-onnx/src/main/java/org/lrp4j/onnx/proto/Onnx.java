package org.lrp4j.onnx.proto;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import org.lrp4j.onnx.OnnxFormatException;

/**
 * The ONNX messages lrp4j reads and writes, as plain mutable data holders, with the field numbers of onnx.proto.
 * Fields lrp4j does not need are skipped when reading (and not written). {@code parse} reads a message from the
 * wire format; {@code write} appends it to a {@link ProtoWriter}.
 */
public final class Onnx {
    private Onnx() {
    }

    /** TensorProto.DataType values. */
    public static final int FLOAT = 1;
    public static final int UINT8 = 2;
    public static final int INT8 = 3;
    public static final int UINT16 = 4;
    public static final int INT16 = 5;
    public static final int INT32 = 6;
    public static final int INT64 = 7;
    public static final int STRING = 8;
    public static final int BOOL = 9;
    public static final int FLOAT16 = 10;
    public static final int DOUBLE = 11;
    public static final int UINT32 = 12;
    public static final int UINT64 = 13;
    public static final int COMPLEX64 = 14;
    public static final int COMPLEX128 = 15;
    public static final int BFLOAT16 = 16;

    private static final String[] TYPE_NAMES = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
        "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16",
        "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"};

    /** The name of a TensorProto.DataType value, e.g. "COMPLEX64". */
    public static String typeName(int dataType) {
        return dataType >= 0 && dataType < TYPE_NAMES.length ? TYPE_NAMES[dataType] : "unknown(" + dataType + ")";
    }

    /** AttributeProto.AttributeType values. */
    public static final int ATTR_FLOAT = 1;
    public static final int ATTR_INT = 2;
    public static final int ATTR_STRING = 3;
    public static final int ATTR_TENSOR = 4;
    public static final int ATTR_GRAPH = 5;
    public static final int ATTR_FLOATS = 6;
    public static final int ATTR_INTS = 7;
    public static final int ATTR_STRINGS = 8;
    public static final int ATTR_TENSORS = 9;

    /** ModelProto. */
    public static final class ModelProto {
        public long irVersion;                                  // 1
        public String producerName = "";                        // 2
        public String producerVersion = "";                     // 3
        public String domain = "";                              // 4
        public long modelVersion;                               // 5
        public String docString = "";                           // 6
        public GraphProto graph;                                // 7
        public List<OperatorSetIdProto> opsetImport = new ArrayList<>(); // 8
        public List<StringStringEntryProto> metadataProps = new ArrayList<>(); // 14

        public static ModelProto parse(byte[] bytes) throws OnnxFormatException {
            return parse(ProtoReader.of(bytes));
        }

        public static ModelProto parse(ProtoReader r) throws OnnxFormatException {
            ModelProto m = new ModelProto();
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> m.irVersion = r.readInt64();
                    case 2 -> m.producerName = r.readString();
                    case 3 -> m.producerVersion = r.readString();
                    case 4 -> m.domain = r.readString();
                    case 5 -> m.modelVersion = r.readInt64();
                    case 6 -> m.docString = r.readString();
                    case 7 -> m.graph = GraphProto.parse(r.readMessage());
                    case 8 -> m.opsetImport.add(OperatorSetIdProto.parse(r.readMessage()));
                    case 14 -> m.metadataProps.add(StringStringEntryProto.parse(r.readMessage()));
                    default -> r.skip();
                }
            }
            return m;
        }

        public void write(ProtoWriter w) {
            w.int64(1, irVersion);
            if (!producerName.isEmpty()) {
                w.string(2, producerName);
            }
            if (!producerVersion.isEmpty()) {
                w.string(3, producerVersion);
            }
            if (!domain.isEmpty()) {
                w.string(4, domain);
            }
            if (modelVersion != 0) {
                w.int64(5, modelVersion);
            }
            if (!docString.isEmpty()) {
                w.string(6, docString);
            }
            if (graph != null) {
                w.message(7, sub(graph::write));
            }
            for (OperatorSetIdProto o : opsetImport) {
                w.message(8, sub(o::write));
            }
            for (StringStringEntryProto e : metadataProps) {
                w.message(14, sub(e::write));
            }
        }

        public byte[] toByteArray() {
            ProtoWriter w = new ProtoWriter();
            write(w);
            return w.toByteArray();
        }
    }

    private static ProtoWriter sub(java.util.function.Consumer<ProtoWriter> body) {
        ProtoWriter w = new ProtoWriter();
        body.accept(w);
        return w;
    }

    /** OperatorSetIdProto. */
    public static final class OperatorSetIdProto {
        public String domain = "";   // 1
        public long version;         // 2

        public OperatorSetIdProto() {
        }

        public OperatorSetIdProto(String domain, long version) {
            this.domain = domain;
            this.version = version;
        }

        public static OperatorSetIdProto parse(ProtoReader r) throws OnnxFormatException {
            OperatorSetIdProto o = new OperatorSetIdProto();
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> o.domain = r.readString();
                    case 2 -> o.version = r.readInt64();
                    default -> r.skip();
                }
            }
            return o;
        }

        public void write(ProtoWriter w) {
            if (!domain.isEmpty()) {
                w.string(1, domain);
            }
            w.int64(2, version);
        }
    }

    /** StringStringEntryProto. */
    public static final class StringStringEntryProto {
        public String key = "";    // 1
        public String value = "";  // 2

        public StringStringEntryProto() {
        }

        public StringStringEntryProto(String key, String value) {
            this.key = key;
            this.value = value;
        }

        public static StringStringEntryProto parse(ProtoReader r) throws OnnxFormatException {
            StringStringEntryProto e = new StringStringEntryProto();
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> e.key = r.readString();
                    case 2 -> e.value = r.readString();
                    default -> r.skip();
                }
            }
            return e;
        }

        public void write(ProtoWriter w) {
            w.string(1, key);
            w.string(2, value);
        }
    }

    /** GraphProto. */
    public static final class GraphProto {
        public List<NodeProto> node = new ArrayList<>();          // 1
        public String name = "";                                  // 2
        public List<TensorProto> initializer = new ArrayList<>(); // 5
        public String docString = "";                             // 10
        public List<ValueInfoProto> input = new ArrayList<>();    // 11
        public List<ValueInfoProto> output = new ArrayList<>();   // 12
        public List<ValueInfoProto> valueInfo = new ArrayList<>(); // 13

        public static GraphProto parse(ProtoReader r) throws OnnxFormatException {
            GraphProto g = new GraphProto();
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> g.node.add(NodeProto.parse(r.readMessage()));
                    case 2 -> g.name = r.readString();
                    case 5 -> g.initializer.add(TensorProto.parse(r.readMessage()));
                    case 10 -> g.docString = r.readString();
                    case 11 -> g.input.add(ValueInfoProto.parse(r.readMessage()));
                    case 12 -> g.output.add(ValueInfoProto.parse(r.readMessage()));
                    case 13 -> g.valueInfo.add(ValueInfoProto.parse(r.readMessage()));
                    default -> r.skip();
                }
            }
            return g;
        }

        public void write(ProtoWriter w) {
            for (NodeProto n : node) {
                w.message(1, sub(n::write));
            }
            if (!name.isEmpty()) {
                w.string(2, name);
            }
            for (TensorProto t : initializer) {
                w.message(5, sub(t::write));
            }
            if (!docString.isEmpty()) {
                w.string(10, docString);
            }
            for (ValueInfoProto v : input) {
                w.message(11, sub(v::write));
            }
            for (ValueInfoProto v : output) {
                w.message(12, sub(v::write));
            }
            for (ValueInfoProto v : valueInfo) {
                w.message(13, sub(v::write));
            }
        }
    }

    /** NodeProto. */
    public static final class NodeProto {
        public List<String> input = new ArrayList<>();              // 1
        public List<String> output = new ArrayList<>();             // 2
        public String name = "";                                    // 3
        public String opType = "";                                  // 4
        public List<AttributeProto> attribute = new ArrayList<>();  // 5
        public String docString = "";                               // 6
        public String domain = "";                                  // 7

        public static NodeProto parse(ProtoReader r) throws OnnxFormatException {
            NodeProto n = new NodeProto();
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> n.input.add(r.readString());
                    case 2 -> n.output.add(r.readString());
                    case 3 -> n.name = r.readString();
                    case 4 -> n.opType = r.readString();
                    case 5 -> n.attribute.add(AttributeProto.parse(r.readMessage()));
                    case 6 -> n.docString = r.readString();
                    case 7 -> n.domain = r.readString();
                    default -> r.skip();
                }
            }
            return n;
        }

        public void write(ProtoWriter w) {
            for (String s : input) {
                w.string(1, s);
            }
            for (String s : output) {
                w.string(2, s);
            }
            if (!name.isEmpty()) {
                w.string(3, name);
            }
            w.string(4, opType);
            for (AttributeProto a : attribute) {
                w.message(5, sub(a::write));
            }
            if (!docString.isEmpty()) {
                w.string(6, docString);
            }
            if (!domain.isEmpty()) {
                w.string(7, domain);
            }
        }

        /** The attribute with this name, or null. */
        public AttributeProto attribute(String attrName) {
            for (AttributeProto a : attribute) {
                if (a.name.equals(attrName)) {
                    return a;
                }
            }
            return null;
        }
    }

    /** AttributeProto. */
    public static final class AttributeProto {
        public String name = "";                                 // 1
        public float f;                                          // 2
        public long i;                                           // 3
        public byte[] s = new byte[0];                           // 4
        public TensorProto t;                                    // 5
        public GraphProto g;                                     // 6
        public float[] floats = new float[0];                    // 7
        public long[] ints = new long[0];                        // 8
        public List<byte[]> strings = new ArrayList<>();         // 9
        public List<TensorProto> tensors = new ArrayList<>();    // 10
        public String docString = "";                            // 13
        public int type;                                         // 20
        public String refAttrName = "";                          // 21

        public static AttributeProto parse(ProtoReader r) throws OnnxFormatException {
            AttributeProto a = new AttributeProto();
            Lists.Floats fl = new Lists.Floats();
            Lists.Longs il = new Lists.Longs();
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> a.name = r.readString();
                    case 2 -> a.f = r.readFloat();
                    case 3 -> a.i = r.readInt64();
                    case 4 -> a.s = r.readBytes();
                    case 5 -> a.t = TensorProto.parse(r.readMessage());
                    case 6 -> a.g = GraphProto.parse(r.readMessage());
                    case 7 -> r.readFloats(fl);
                    case 8 -> r.readVarints(il);
                    case 9 -> a.strings.add(r.readBytes());
                    case 10 -> a.tensors.add(TensorProto.parse(r.readMessage()));
                    case 13 -> a.docString = r.readString();
                    case 20 -> a.type = r.readInt32();
                    case 21 -> a.refAttrName = r.readString();
                    default -> r.skip();
                }
            }
            a.floats = fl.toArray();
            a.ints = il.toArray();
            return a;
        }

        public void write(ProtoWriter w) {
            w.string(1, name);
            switch (type) {
                case ATTR_FLOAT -> w.float32(2, f);
                case ATTR_INT -> w.int64(3, i);
                case ATTR_STRING -> w.bytes(4, s);
                case ATTR_TENSOR -> w.message(5, sub(t::write));
                case ATTR_GRAPH -> w.message(6, sub(g::write));
                case ATTR_FLOATS -> w.packedFloats(7, floats);
                case ATTR_INTS -> w.packedVarints(8, ints);
                case ATTR_STRINGS -> strings.forEach(b -> w.bytes(9, b));
                case ATTR_TENSORS -> tensors.forEach(x -> w.message(10, sub(x::write)));
                default -> {
                }
            }
            w.int64(20, type);
        }

        public static AttributeProto ofInt(String name, long v) {
            AttributeProto a = new AttributeProto();
            a.name = name;
            a.type = ATTR_INT;
            a.i = v;
            return a;
        }

        public static AttributeProto ofFloat(String name, float v) {
            AttributeProto a = new AttributeProto();
            a.name = name;
            a.type = ATTR_FLOAT;
            a.f = v;
            return a;
        }

        public static AttributeProto ofInts(String name, long... v) {
            AttributeProto a = new AttributeProto();
            a.name = name;
            a.type = ATTR_INTS;
            a.ints = v.clone();
            return a;
        }

        public static AttributeProto ofFloats(String name, float... v) {
            AttributeProto a = new AttributeProto();
            a.name = name;
            a.type = ATTR_FLOATS;
            a.floats = v.clone();
            return a;
        }

        public static AttributeProto ofString(String name, String v) {
            AttributeProto a = new AttributeProto();
            a.name = name;
            a.type = ATTR_STRING;
            a.s = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            return a;
        }

        public static AttributeProto ofTensor(String name, TensorProto v) {
            AttributeProto a = new AttributeProto();
            a.name = name;
            a.type = ATTR_TENSOR;
            a.t = v;
            return a;
        }
    }

    /** TensorProto. Raw data is kept as a view of the file's bytes (not copied). */
    public static final class TensorProto {
        public long[] dims = new long[0];                                    // 1
        public int dataType;                                                 // 2
        public float[] floatData = new float[0];                             // 4
        public long[] int32Data = new long[0];                               // 5
        public int stringDataCount;                                          // 6 (contents not kept)
        public long[] int64Data = new long[0];                               // 7
        public String name = "";                                             // 8
        public ByteBuffer rawData;                                           // 9
        public double[] doubleData = new double[0];                          // 10
        public long[] uint64Data = new long[0];                              // 11
        public String docString = "";                                        // 12
        public List<StringStringEntryProto> externalData = new ArrayList<>(); // 13
        public int dataLocation;                                             // 14: 0 DEFAULT, 1 EXTERNAL

        public static TensorProto parse(ProtoReader r) throws OnnxFormatException {
            TensorProto t = new TensorProto();
            Lists.Longs dims = new Lists.Longs();
            Lists.Floats fd = new Lists.Floats();
            Lists.Longs i32 = new Lists.Longs();
            Lists.Longs i64 = new Lists.Longs();
            Lists.Doubles dd = new Lists.Doubles();
            Lists.Longs u64 = new Lists.Longs();
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> r.readVarints(dims);
                    case 2 -> t.dataType = r.readInt32();
                    case 4 -> r.readFloats(fd);
                    case 5 -> r.readVarints(i32);
                    case 6 -> {
                        r.skip();
                        t.stringDataCount++;
                    }
                    case 7 -> r.readVarints(i64);
                    case 8 -> t.name = r.readString();
                    case 9 -> t.rawData = r.readBytesView();
                    case 10 -> r.readDoubles(dd);
                    case 11 -> r.readVarints(u64);
                    case 12 -> t.docString = r.readString();
                    case 13 -> t.externalData.add(StringStringEntryProto.parse(r.readMessage()));
                    case 14 -> t.dataLocation = r.readInt32();
                    default -> r.skip();
                }
            }
            t.dims = dims.toArray();
            t.floatData = fd.toArray();
            t.int32Data = i32.toArray();
            t.int64Data = i64.toArray();
            t.doubleData = dd.toArray();
            t.uint64Data = u64.toArray();
            return t;
        }

        public void write(ProtoWriter w) {
            if (dims.length > 0) {
                w.packedVarints(1, dims);
            }
            w.int64(2, dataType);
            if (floatData.length > 0) {
                w.packedFloats(4, floatData);
            }
            if (int32Data.length > 0) {
                w.packedVarints(5, int32Data);
            }
            if (int64Data.length > 0) {
                w.packedVarints(7, int64Data);
            }
            if (!name.isEmpty()) {
                w.string(8, name);
            }
            if (rawData != null) {
                w.bytes(9, rawData);
            }
            if (doubleData.length > 0) {
                w.packedDoubles(10, doubleData);
            }
            if (uint64Data.length > 0) {
                w.packedVarints(11, uint64Data);
            }
            for (StringStringEntryProto e : externalData) {
                w.message(13, sub(e::write));
            }
            if (dataLocation != 0) {
                w.int64(14, dataLocation);
            }
        }

        /** A float tensor stored in raw_data (little-endian). */
        public static TensorProto ofFloats(String name, float[] values, long... dims) {
            TensorProto t = new TensorProto();
            t.name = name;
            t.dims = dims.clone();
            t.dataType = FLOAT;
            ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                b.putFloat(v);
            }
            b.flip();
            t.rawData = b;
            return t;
        }

        /** An int64 tensor stored in int64_data. */
        public static TensorProto ofLongs(String name, long[] values, long... dims) {
            TensorProto t = new TensorProto();
            t.name = name;
            t.dims = dims.clone();
            t.dataType = INT64;
            t.int64Data = values.clone();
            return t;
        }
    }

    /** ValueInfoProto with the tensor type flattened in: element type and dimensions. */
    public static final class ValueInfoProto {
        public String name = "";        // 1
        /** TypeProto (2) . tensor_type (1) . elem_type (1); 0 when the value is not a tensor or not given. */
        public int elemType;
        /** Whether TypeProto.tensor_type.shape (2) was present. */
        public boolean hasShape;
        /** TensorShapeProto.dim (1): a dim_value (1) or a dim_param (2). */
        public List<Dim> dims = new ArrayList<>();
        /** Whether the type was something other than a tensor (sequence, map, ...). */
        public boolean nonTensor;

        /** One dimension: {@code param} is non-null for a symbolic dimension; value -1 when neither is set. */
        public record Dim(long value, String param) {
        }

        public ValueInfoProto() {
        }

        /** A float tensor value; a null entry of {@code params} makes that dimension symbolic. */
        public static ValueInfoProto tensor(String name, int elemType, Object... dims) {
            ValueInfoProto v = new ValueInfoProto();
            v.name = name;
            v.elemType = elemType;
            v.hasShape = true;
            for (Object d : dims) {
                v.dims.add(d instanceof String s ? new Dim(-1, s) : new Dim(((Number) d).longValue(), null));
            }
            return v;
        }

        public static ValueInfoProto parse(ProtoReader r) throws OnnxFormatException {
            ValueInfoProto v = new ValueInfoProto();
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> v.name = r.readString();
                    case 2 -> parseType(r.readMessage(), v);
                    default -> r.skip();
                }
            }
            return v;
        }

        private static void parseType(ProtoReader r, ValueInfoProto v) throws OnnxFormatException {
            while (r.hasMore()) {
                int f = r.next();
                if (f == 1) {
                    ProtoReader t = r.readMessage();
                    while (t.hasMore()) {
                        switch (t.next()) {
                            case 1 -> v.elemType = t.readInt32();
                            case 2 -> {
                                v.hasShape = true;
                                ProtoReader s = t.readMessage();
                                while (s.hasMore()) {
                                    if (s.next() == 1) {
                                        v.dims.add(parseDim(s.readMessage()));
                                    } else {
                                        s.skip();
                                    }
                                }
                            }
                            default -> t.skip();
                        }
                    }
                } else {
                    if (f == 4 || f == 5 || f == 8 || f == 9) {
                        v.nonTensor = true;
                    }
                    r.skip();
                }
            }
        }

        private static Dim parseDim(ProtoReader r) throws OnnxFormatException {
            long value = -1;
            String param = null;
            while (r.hasMore()) {
                switch (r.next()) {
                    case 1 -> value = r.readInt64();
                    case 2 -> param = r.readString();
                    default -> r.skip();
                }
            }
            return new Dim(value, param);
        }

        public void write(ProtoWriter w) {
            w.string(1, name);
            ProtoWriter tensor = new ProtoWriter();
            tensor.int64(1, elemType);
            if (hasShape) {
                ProtoWriter shape = new ProtoWriter();
                for (Dim d : dims) {
                    ProtoWriter dw = new ProtoWriter();
                    if (d.param() != null) {
                        dw.string(2, d.param());
                    } else if (d.value() >= 0) {
                        dw.int64(1, d.value());
                    }
                    shape.message(1, dw);
                }
                tensor.message(2, shape);
            }
            ProtoWriter type = new ProtoWriter();
            type.message(1, tensor);
            w.message(2, type);
        }
    }
}
