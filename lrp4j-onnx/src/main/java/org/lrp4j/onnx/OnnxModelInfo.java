package org.lrp4j.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.google.protobuf.UnsafeByteOperations;

import org.lrp4j.onnx.proto.Onnx.GraphProto;
import org.lrp4j.onnx.proto.Onnx.ModelProto;
import org.lrp4j.onnx.proto.Onnx.OperatorSetIdProto;
import org.lrp4j.onnx.proto.Onnx.StringStringEntryProto;
import org.lrp4j.onnx.proto.Onnx.TensorProto;
import org.lrp4j.onnx.proto.Onnx.TensorShapeProto;
import org.lrp4j.onnx.proto.Onnx.ValueInfoProto;

/**
 * What an ONNX file says about itself, without importing the graph: IR version, opset, producer, graph inputs and
 * outputs with their declared shapes, and the metadata_props, including the class names lrp4j stores under
 * {@link #CLASS_NAMES} (a JSON array of strings, e.g. {@code ["T-shirt/top","Trouser",...]}).
 *
 * @param irVersion       ir_version
 * @param opset           the version of the default ONNX domain, or -1 if none is imported
 * @param producerName    producer_name ("" if not given)
 * @param producerVersion producer_version ("" if not given)
 * @param graphName       the graph's name
 * @param inputs          the graph inputs that are not initializers
 * @param outputs         the graph outputs
 * @param nodeCount       the number of nodes in the ONNX graph (before lrp4j folds constants)
 * @param metadata        metadata_props in file order
 */
public record OnnxModelInfo(long irVersion, long opset, String producerName, String producerVersion,
                            String graphName, List<Value> inputs, List<Value> outputs, int nodeCount,
                            Map<String, String> metadata) {

    /** The metadata key of the class names: a JSON array of strings, index i naming output class i. */
    public static final String CLASS_NAMES = "lrp4j.class_names";

    /**
     * A graph input or output: its name, element type and dimensions ("batch" and other symbolic dimensions as
     * their names, "?" for unknown), or null dimensions when no shape is declared.
     */
    public record Value(String name, String elementType, List<String> dims) {
        /** The shape as text, e.g. {@code [batch, 1, 28, 28]}, or "?" when not declared. */
        public String shape() {
            return dims == null ? "?" : "[" + String.join(", ", dims) + "]";
        }
    }

    public OnnxModelInfo {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** Reads the header information of an ONNX file. */
    public static OnnxModelInfo read(Path file) throws OnnxFormatException {
        return info(Protos.readModel(Protos.readFile(file), String.valueOf(file.getFileName())));
    }

    /** Reads the header information of an ONNX model given as bytes. */
    public static OnnxModelInfo of(byte[] bytes, String where) throws OnnxFormatException {
        return info(Protos.readModel(UnsafeByteOperations.unsafeWrap(bytes), where));
    }

    private static OnnxModelInfo info(ModelProto mp) {
        long opset = -1;
        for (OperatorSetIdProto o : mp.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        GraphProto g = mp.getGraph();
        Set<String> inits = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            inits.add(t.getName());
        }
        List<Value> ins = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!inits.contains(v.getName())) {
                ins.add(value(v));
            }
        }
        List<Value> outs = new ArrayList<>();
        for (ValueInfoProto v : g.getOutputList()) {
            outs.add(value(v));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (StringStringEntryProto e : mp.getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        return new OnnxModelInfo(mp.getIrVersion(), opset, mp.getProducerName(), mp.getProducerVersion(),
                g.getName(), ins, outs, g.getNodeCount(), meta);
    }

    private static Value value(ValueInfoProto v) {
        int elemType = Protos.elemType(v);
        String type = Protos.isNonTensor(v) ? "non-tensor" : elemType == 0 ? "?"
                : Protos.typeName(elemType).toLowerCase(java.util.Locale.ROOT);
        if (elemType == TensorProto.DataType.FLOAT_VALUE) {
            type = "float32";
        } else if (elemType == TensorProto.DataType.DOUBLE_VALUE) {
            type = "float64";
        }
        if (!Protos.hasShape(v)) {
            return new Value(v.getName(), type, null);
        }
        List<String> d = new ArrayList<>();
        for (TensorShapeProto.Dimension dim : v.getType().getTensorType().getShape().getDimList()) {
            d.add(dim.hasDimParam() && !dim.getDimParam().isEmpty() ? dim.getDimParam()
                    : dim.hasDimValue() && dim.getDimValue() >= 0 ? Long.toString(dim.getDimValue()) : "?");
        }
        return new Value(v.getName(), type, d);
    }

    /** The class names stored under {@link #CLASS_NAMES}, if any (and well formed). */
    public Optional<List<String>> classNames() {
        String s = metadata.get(CLASS_NAMES);
        if (s == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(decodeStrings(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The class names of an ONNX file, or empty if it stores none (or cannot be read). */
    public static Optional<List<String>> classNames(Path file) {
        try {
            return read(file).classNames();
        } catch (OnnxFormatException e) {
            return Optional.empty();
        }
    }

    /** A metadata entry for {@link OnnxExporter#save(org.lrp4j.graph.Model, Path, Map)} holding class names. */
    public static Map.Entry<String, String> classNamesEntry(List<String> names) {
        return Map.entry(CLASS_NAMES, encodeStrings(names));
    }

    // ------------------------------------------------------------------ a JSON array of strings

    /** {@code ["a","b \"c\""]}. */
    static String encodeStrings(List<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < values.size(); k++) {
            if (k > 0) {
                sb.append(',');
            }
            sb.append('"');
            String v = values.get(k);
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            sb.append('"');
        }
        return sb.append(']').toString();
    }

    /** Reads a JSON array of strings; also accepts a plain comma-separated list. */
    static List<String> decodeStrings(String s) {
        String t = s.strip();
        List<String> out = new ArrayList<>();
        if (!t.startsWith("[")) {
            for (String part : t.split(",", -1)) {
                out.add(part.strip());
            }
            return out;
        }
        int i = 1;
        int n = t.length();
        i = skipSpace(t, i);
        if (i < n && t.charAt(i) == ']') {
            return out;
        }
        while (true) {
            i = skipSpace(t, i);
            if (i >= n || t.charAt(i) != '"') {
                throw new IllegalArgumentException("expected a string at " + i);
            }
            StringBuilder sb = new StringBuilder();
            i++;
            while (true) {
                if (i >= n) {
                    throw new IllegalArgumentException("unterminated string");
                }
                char c = t.charAt(i++);
                if (c == '"') {
                    break;
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (i >= n) {
                    throw new IllegalArgumentException("unterminated escape");
                }
                char e = t.charAt(i++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        if (i + 4 > n) {
                            throw new IllegalArgumentException("bad \\u escape");
                        }
                        sb.append((char) Integer.parseInt(t.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            }
            out.add(sb.toString());
            i = skipSpace(t, i);
            if (i < n && t.charAt(i) == ',') {
                i++;
                continue;
            }
            if (i < n && t.charAt(i) == ']') {
                return out;
            }
            throw new IllegalArgumentException("expected ',' or ']' at " + i);
        }
    }

    private static int skipSpace(String t, int i) {
        while (i < t.length() && Character.isWhitespace(t.charAt(i))) {
            i++;
        }
        return i;
    }
}
