package org.lrp4j.patterns;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.lrp4j.graph.Model;
import org.lrp4j.io.NpyArray;
import org.lrp4j.io.Npz;
import org.lrp4j.tensor.Tensor;

/**
 * The patterns of a model's Conv and Gemm nodes (Kindermans et al., "Learning how to explain neural networks",
 * ICLR 2018), each shaped like the node's weight, neuron k in row k, and the identity of the model they were fitted
 * for (a SHA-256 of its parameters). Per node:
 * <pre>
 *   a  = cov[x, y] / var(y)                                                        the linear estimator S_a
 *   a+ = (E+[x y] - E+[x] E[y]) / (w^T E+[x y] - w^T E+[x] E[y])                   S_a+-, z = y + b &gt; 0
 *   a- = likewise over z &lt;= 0                                                     (rectified nodes only)
 * </pre>
 * with y = w^T x (no bias) and E[y] over all observations. A zero denominator (var(y) = 0, or an empty regime;
 * zero means at most 1e-12 E[y^2]) gives a zero pattern and a warning. {@link #signal} is what PatternNet projects with: a+ for a node read only by
 * ReLUs, a otherwise.
 *
 * @param modelHash the SHA-256 (hex) of the parameters of the model the patterns belong to
 * @param nodes     per node name, in graph order
 * @param warnings  what the estimation noted (zero patterns); empty for loaded patterns
 */
public record Patterns(String modelHash, Map<String, NodePatterns> nodes, List<String> warnings) {

    /** NPZ key of the model hash (ASCII bytes). */
    public static final String HASH_KEY = "lrp4j.patterns.model_sha256";

    public Patterns {
        nodes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        warnings = List.copyOf(warnings);
    }

    /** The patterns of one node; {@code aPlus} and {@code aMinus} are null unless the node is read by ReLUs only. */
    public record NodePatterns(String node, Tensor a, Tensor aPlus, Tensor aMinus) {
        public boolean rectified() {
            return aPlus != null;
        }

        /** The pattern PatternNet and PatternAttribution use: a+ for a rectified node, a otherwise. */
        public Tensor signal() {
            return rectified() ? aPlus : a;
        }
    }

    /** The patterns from accumulated statistics. */
    public static Patterns estimate(String modelHash, Collection<PatternStatistics> statistics) {
        Map<String, NodePatterns> out = new LinkedHashMap<>();
        List<String> warnings = new ArrayList<>();
        for (PatternStatistics s : statistics) {
            LinearNode node = s.node();
            int k = node.neurons();
            int d = node.dimension();
            float[] a = new float[k * d];
            float[] plus = node.rectified() ? new float[k * d] : null;
            float[] minus = node.rectified() ? new float[k * d] : null;
            int[] zero = new int[3];
            for (int j = 0; j < k; j++) {
                PatternStatistics.Neuron m = s.neuron(j);
                double[] w = Arrays.copyOfRange(node.weight(), j * d, (j + 1) * d);
                zero[0] += linear(m, a, j * d) ? 0 : 1;
                if (plus != null) {
                    zero[1] += regime(m, w, true, plus, j * d) ? 0 : 1;
                    zero[2] += regime(m, w, false, minus, j * d) ? 0 : 1;
                }
            }
            String[] what = {"a (var(y) = 0)", "a+ (no observation with z > 0, or a zero denominator)",
                "a- (no observation with z <= 0, or a zero denominator)"};
            for (int i = 0; i < 3; i++) {
                if (zero[i] > 0) {
                    warnings.add(node.name() + ": " + zero[i] + " of " + k + " neurons get a zero pattern " + what[i]);
                }
            }
            int[] shape = node.weightShape();
            out.put(node.name(), new NodePatterns(node.name(), Tensor.wrap(a, shape),
                    plus == null ? null : Tensor.wrap(plus, shape), minus == null ? null : Tensor.wrap(minus, shape)));
        }
        return new Patterns(modelHash, out, warnings);
    }

    /** a = cov[x, y] / var(y) into {@code out[at..]}; false (and zeros) when var(y) is zero. */
    private static boolean linear(PatternStatistics.Neuron m, float[] out, int at) {
        double var = m.varY();
        double my = m.my();
        if (!(var > 1e-12 * (m.myyPos() + m.myyNeg()))) {
            return false;
        }
        for (int i = 0; i < m.mx().length; i++) {
            out[at + i] = (float) ((m.mxyPos()[i] + m.mxyNeg()[i] - m.mx()[i] * my) / var);
        }
        return true;
    }

    /**
     * a+ or a- into {@code out[at..]}. With the sums divided by N, E+[x y] - E+[x] E[y] = (E[x y 1+] - E[x 1+] E[y])
     * / pi+, and pi+ cancels in the ratio.
     */
    private static boolean regime(PatternStatistics.Neuron m, double[] w, boolean positive, float[] out, int at) {
        double share = positive ? m.pPos() : m.pNeg();
        if (share == 0) {
            return false;
        }
        int d = w.length;
        double my = m.my();
        double[] num = new double[d];
        double den = 0;
        for (int i = 0; i < d; i++) {
            double mxr = positive ? m.mxPos()[i] : m.mx()[i] - m.mxPos()[i];
            double mxyr = positive ? m.mxyPos()[i] : m.mxyNeg()[i];
            num[i] = mxyr - mxr * my;
            den += w[i] * num[i];
        }
        if (!(Math.abs(den) > 1e-12 * (m.myyPos() + m.myyNeg()))) {
            return false;
        }
        for (int i = 0; i < d; i++) {
            out[at + i] = (float) (num[i] / den);
        }
        return true;
    }

    /** The SHA-256 (hex) of a model's parameters: names, shapes and values in name order. */
    public static String modelHash(Model model) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, Tensor> e : new TreeMap<>(model.state()).entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                Tensor t = e.getValue();
                ByteBuffer b = ByteBuffer.allocate(4 * (t.rank() + 1 + t.size())).order(ByteOrder.LITTLE_ENDIAN);
                b.putInt(t.rank());
                for (int dim : t.dims()) {
                    b.putInt(dim);
                }
                for (int i = 0; i < t.size(); i++) {
                    b.putFloat(t.getFlat(i));
                }
                md.update(b.array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** Writes the patterns as an NPZ: {@code NODE.a}, {@code NODE.a+}, {@code NODE.a-} (float32) and the hash. */
    public void save(Path path) throws IOException {
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        byte[] hash = modelHash.getBytes(StandardCharsets.US_ASCII);
        arrays.put(HASH_KEY, NpyArray.ofUInt8(new int[] {hash.length}, hash));
        for (NodePatterns p : nodes.values()) {
            arrays.put(p.node() + ".a", NpyArray.of(p.a()));
            if (p.rectified()) {
                arrays.put(p.node() + ".a+", NpyArray.of(p.aPlus()));
                arrays.put(p.node() + ".a-", NpyArray.of(p.aMinus()));
            }
        }
        Npz.writeArrays(path, arrays, true);
    }

    /**
     * Reads patterns written by {@link #save} and checks them against {@code model}: the same parameters (hash),
     * a pattern of the weight's shape for every Conv and Gemm node, a+ and a- exactly for nodes read by ReLUs only.
     */
    public static Patterns load(Path path, Model model) throws IOException {
        Map<String, NpyArray> arrays = Npz.read(path);
        NpyArray hash = arrays.get(HASH_KEY);
        if (hash == null) {
            throw new IllegalArgumentException(path + " holds no patterns (no entry " + HASH_KEY + "); write them with"
                    + " 'lrp4j patterns fit'");
        }
        String stored = new String(hash.data(), StandardCharsets.US_ASCII);
        String actual = modelHash(model);
        if (!stored.equals(actual)) {
            throw new IllegalArgumentException(path + " holds patterns of another model (parameters sha256 "
                    + abbreviate(stored) + ", this model " + abbreviate(actual) + "); fit patterns for this model with"
                    + " 'lrp4j patterns fit'");
        }
        Map<String, NodePatterns> nodes = new LinkedHashMap<>();
        for (LinearNode n : LinearNode.of(model)) {
            Tensor a = pattern(arrays, path, n, ".a");
            Tensor plus = n.rectified() ? pattern(arrays, path, n, ".a+") : null;
            Tensor minus = n.rectified() ? pattern(arrays, path, n, ".a-") : null;
            nodes.put(n.name(), new NodePatterns(n.name(), a, plus, minus));
        }
        return new Patterns(stored, nodes, List.of());
    }

    private static Tensor pattern(Map<String, NpyArray> arrays, Path path, LinearNode n, String suffix) {
        NpyArray arr = arrays.get(n.name() + suffix);
        if (arr == null) {
            throw new IllegalArgumentException(path + " has no pattern '" + n.name() + suffix + "' for node '"
                    + n.name() + "'; fit the patterns again with 'lrp4j patterns fit'");
        }
        if (!Arrays.equals(arr.shape(), n.weightShape())) {
            throw new IllegalArgumentException(path + ": pattern '" + n.name() + suffix + "' has shape "
                    + Arrays.toString(arr.shape()) + " but node '" + n.name() + "' has weights "
                    + Arrays.toString(n.weightShape()) + "; fit the patterns again with 'lrp4j patterns fit'");
        }
        Tensor t = arr.toTensor();
        for (int i = 0; i < t.size(); i++) {
            if (!Float.isFinite(t.getFlat(i))) {
                throw new IllegalArgumentException(path + ": pattern '" + n.name() + suffix + "' has a non-finite"
                        + " value; fit the patterns again with 'lrp4j patterns fit'");
            }
        }
        return t;
    }

    private static String abbreviate(String hash) {
        return hash.length() > 12 ? hash.substring(0, 12) + "..." : hash;
    }
}
