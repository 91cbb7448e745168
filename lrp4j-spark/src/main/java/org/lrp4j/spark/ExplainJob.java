package org.lrp4j.spark;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.lrp4j.eval.MethodSpecs;
import org.lrp4j.explain.Explainer;
import org.lrp4j.explain.Explanation;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.onnx.OnnxImporter;
import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.image.DecodedImage;
import org.lrp4j.viz.Heatmap;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.ImageFiles;
import org.lrp4j.image.Preprocessing;

/**
 * Explains a table of images on Spark: the ONNX bytes are broadcast once, each executor JVM imports the model once
 * (cached by its hash), each task builds one explainer and explains its partition in mini-batches, as the CLI would
 * one image at a time. Every input row gives one output row: an image that cannot be read gives a row with the reason
 * in {@code error} and nulls elsewhere, so input count = output rows.
 *
 * <p>Output columns: {@code id}, {@code predicted}, {@code score} (its logit), {@code target}, {@code relevance}
 * ([C][H][W], the model's input layout), {@code relevance_sum}, {@code mask_share} (see {@link Masks}),
 * {@code png} (the heatmap, when asked) and {@code error}.
 */
public final class ExplainJob {
    private ExplainJob() {
    }

    /** The job's options. */
    public record Options(String method, String preprocess, int batch, boolean png, Masks masks)
            implements Serializable {
        public Options {
            if (batch < 1) {
                throw new IllegalArgumentException("--batch must be at least 1, not " + batch);
            }
        }
    }

    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("predicted", DataTypes.IntegerType, true)
            .add("score", DataTypes.FloatType, true)
            .add("target", DataTypes.IntegerType, true)
            .add("relevance", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.createArrayType(
                    DataTypes.FloatType, false), false), false), true)
            .add("relevance_sum", DataTypes.DoubleType, true)
            .add("mask_share", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType), true)
            .add("png", DataTypes.BinaryType, true)
            .add("error", DataTypes.StringType, true)
            .add("label", DataTypes.IntegerType, true);

    /** Models imported in this JVM, by the hash of their bytes (an executor imports each model once). */
    private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();

    /**
     * Reads a folder of files (every file, so that nothing is silently skipped) as rows (id, content), in Spark's
     * file order (jobs that need an order sort by id themselves).
     */
    public static Dataset<Row> readImages(SparkSession spark, String dir) {
        return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(dir)
                .selectExpr("regexp_extract(path, '[^/]+$', 0) AS id", "content");
    }

    /**
     * Explains rows with the model {@code onnx}: an {@code id}, and the image as {@code content} (file bytes) or as
     * {@code tensor} (the model input, C * H * W floats in its layout, already normalised), and an optional
     * {@code label} carried to the output.
     */
    public static Dataset<Row> explain(SparkSession spark, byte[] onnx, Dataset<Row> images, Options o) {
        List<String> cols = java.util.Arrays.asList(images.columns());
        if (!cols.contains("id") || !(cols.contains("content") || cols.contains("tensor"))) {
            throw new IllegalArgumentException("the input needs a column id and a column content (image bytes) or"
                    + " tensor (float array); it has " + cols);
        }
        Dataset<Row> in = images.selectExpr("CAST(id AS STRING) AS id",
                cols.contains("content") ? "content" : "CAST(NULL AS BINARY) AS content",
                cols.contains("tensor") ? "CAST(tensor AS ARRAY<FLOAT>) AS tensor" : "CAST(NULL AS ARRAY<FLOAT>) AS tensor",
                cols.contains("label") ? "CAST(label AS INT) AS label" : "CAST(NULL AS INT) AS label");
        // checked on the driver before any task: the model reads and the method fits it
        Model m = model(onnx);
        MethodSpecs.explainer(o.method(), m, MethodOptions.defaults().bounds(Tensor.scalar(-1), Tensor.scalar(1)),
                false);
        pipeline(o.preprocess(), chw(m));
        Broadcast<byte[]> model = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(onnx);
        MapPartitionsFunction<Row, Row> f = rows -> new Partition(model.value(), o).run(rows);
        return in.mapPartitions(f, Encoders.row(SCHEMA));
    }

    static Model model(byte[] onnx) {
        String key = hash(onnx);
        return MODELS.computeIfAbsent(key, k -> {
            try {
                Path tmp = Files.createTempFile("lrp4j-spark-", ".onnx");
                try {
                    Files.write(tmp, onnx);
                    return OnnxImporter.load(tmp);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("cannot read the model: " + e.getMessage(), e);
            }
        });
    }

    static String hash(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The model's {C, H, W}. */
    static int[] chw(Model m) {
        Shape s = m.inputs().get(0).sampleShape();
        if (s == null || s.rank() != 3) {
            throw new IllegalArgumentException("the model's input is " + s + "; the Spark job explains images [N, C, H,"
                    + " W]");
        }
        return s.toArray();
    }

    /**
     * The image pipeline from its spec: a preset ({@code auto}, {@code imagenet}, {@code fashion-mnist}, {@code none})
     * followed by {@code ;}-separated overrides as {@code lrp4j explain} takes them: {@code resize=N},
     * {@code crop=N} or {@code crop=HxW}, {@code gray}, {@code rgb}, {@code mean=M[,M,M]}, {@code std=S[,S,S]}.
     */
    static Preprocessing pipeline(String spec, int[] chw) {
        String[] parts = (spec == null ? "auto" : spec).split(";");
        String preset = parts[0].trim();
        Preprocessing.Builder b = preset.isEmpty() || preset.equals("auto") ? Preprocessing.autoBuilder(chw)
                : Preprocessing.builder(preset);
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq);
            String value = eq < 0 ? "" : p.substring(eq + 1);
            try {
                switch (key) {
                    case "resize" -> b.resize(Integer.parseInt(value));
                    case "crop" -> {
                        String[] hw = value.toLowerCase(java.util.Locale.ROOT).split("x");
                        b.crop(Integer.parseInt(hw[0]), Integer.parseInt(hw[hw.length - 1]));
                    }
                    case "gray" -> b.color(Preprocessing.Color.GRAY);
                    case "rgb" -> b.color(Preprocessing.Color.RGB);
                    case "mean" -> b.mean(floats(value));
                    case "std" -> b.std(floats(value));
                    default -> throw new IllegalArgumentException("unknown preprocessing step '" + p + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("preprocessing step '" + p + "': '" + value + "' is not a number");
            }
        }
        return b.build();
    }

    private static float[] floats(String csv) {
        String[] f = csv.split(",");
        float[] v = new float[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = Float.parseFloat(f[i].trim());
        }
        return v;
    }

    /**
     * The explainers of this executor thread, by model hash, method and pipeline: a thread that runs many tasks
     * builds each explainer once (per-executor caches are how Spark jobs keep heavy objects; they hold only
     * immutable models and explainers).
     */
    private static final ThreadLocal<Map<String, Explainer>> EXPLAINERS = ThreadLocal.withInitial(HashMap::new);

    /** One task's work: one explainer, the partition in mini-batches. */
    private static final class Partition {
        private final Model model;
        private final Options o;
        private final int[] chw;
        private final Preprocessing pipeline;
        private final Explainer explainer;

        Partition(byte[] onnx, Options o) {
            this.model = model(onnx);
            this.o = o;
            this.chw = chw(model);
            this.pipeline = pipeline(o.preprocess(), chw);
            Preprocessing.Bounds b = pipeline.bounds(chw[0]);
            this.explainer = EXPLAINERS.get().computeIfAbsent(hash(onnx) + "\u0000" + o.method() + "\u0000"
                    + o.preprocess(), k -> MethodSpecs.explainer(o.method(), model, MethodOptions.defaults()
                            .bounds(b.low(), b.high()), false));
        }

        /** The labels of this partition's rows, by id, carried to the output. */
        private final Map<String, Integer> labels = new HashMap<>();

        Iterator<Row> run(Iterator<Row> rows) {
            List<Row> out = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            List<DecodedImage> images = new ArrayList<>();
            List<String> tensorIds = new ArrayList<>();
            List<float[]> tensors = new ArrayList<>();
            int per = chw[0] * chw[1] * chw[2];
            while (rows.hasNext()) {
                Row r = rows.next();
                String id = r.getString(0);
                if (!r.isNullAt(3)) {
                    labels.put(id, r.getInt(3));
                }
                if (!r.isNullAt(2)) {
                    List<Object> t = r.getList(2);
                    if (t.size() != per) {
                        out.add(error(id, "the tensor has " + t.size() + " values but the model takes " + chw[0] + " x "
                                + chw[1] + " x " + chw[2] + " = " + per));
                        continue;
                    }
                    float[] v = new float[per];
                    for (int i = 0; i < per; i++) {
                        Object e = t.get(i);
                        v[i] = e == null ? Float.NaN : ((Number) e).floatValue();
                    }
                    tensorIds.add(id);
                    tensors.add(v);
                    if (tensors.size() == o.batch()) {
                        out.addAll(rows(tensorIds, stack(tensors)));
                        tensorIds.clear();
                        tensors.clear();
                    }
                    continue;
                }
                try {
                    DecodedImage d = ImageFiles.decode((byte[]) r.get(1), id);
                    ids.add(id);
                    images.add(d);
                } catch (Exception e) {
                    out.add(error(id, firstLine(e.getMessage())));
                }
                if (images.size() == o.batch()) {
                    out.addAll(explain(ids, images));
                    ids.clear();
                    images.clear();
                }
            }
            if (!images.isEmpty()) {
                out.addAll(explain(ids, images));
            }
            if (!tensors.isEmpty()) {
                out.addAll(rows(tensorIds, stack(tensors)));
            }
            return out.iterator();
        }

        private Tensor stack(List<float[]> tensors) {
            int per = tensors.get(0).length;
            float[] all = new float[tensors.size() * per];
            for (int i = 0; i < tensors.size(); i++) {
                System.arraycopy(tensors.get(i), 0, all, i * per, per);
            }
            return Tensor.wrap(all, tensors.size(), chw[0], chw[1], chw[2]);
        }

        private Row error(String id, String message) {
            return RowFactory.create(id, null, null, null, null, null, null, null, message, labels.get(id));
        }

        private List<Row> explain(List<String> ids, List<DecodedImage> images) {
            List<Row> out = new ArrayList<>();
            List<String> okIds = new ArrayList<>();
            List<DecodedImage> ok = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                try {
                    pipeline.apply(List.of(images.get(i)), chw[0]);
                    okIds.add(ids.get(i));
                    ok.add(images.get(i));
                } catch (Exception e) {
                    out.add(error(ids.get(i), firstLine(e.getMessage())));
                }
            }
            if (ok.isEmpty()) {
                return out;
            }
            ImageBatch batch;
            try {
                batch = pipeline.apply(ok, chw[0]);
            } catch (Exception e) {
                for (String id : okIds) {
                    out.add(error(id, firstLine(e.getMessage())));
                }
                return out;
            }
            Tensor x = batch.input();
            if (x.dim(1) != chw[0] || x.dim(2) != chw[1] || x.dim(3) != chw[2]) {
                for (String id : okIds) {
                    out.add(error(id, "the image is " + x.dim(3) + "x" + x.dim(2) + " with " + x.dim(1)
                            + " channel(s) after preprocessing '" + pipeline.name() + "' but the model takes "
                            + chw[2] + "x" + chw[1] + " with " + chw[0]));
                }
                return out;
            }
            out.addAll(rows(okIds, x));
            return out;
        }

        /** Explains a batch of model inputs, one output row each. */
        private List<Row> rows(List<String> okIds, Tensor x) {
            List<Row> out = new ArrayList<>();
            float[] xd = x.data();
            for (int i = 0; i < x.size(); i++) {
                if (!Float.isFinite(xd[x.offset() + i])) {
                    int per = x.size() / x.dim(0);
                    List<String> ok = new ArrayList<>();
                    List<float[]> keep = new ArrayList<>();
                    for (int r = 0; r < okIds.size(); r++) {
                        float[] v = java.util.Arrays.copyOfRange(xd, x.offset() + r * per, x.offset() + (r + 1) * per);
                        boolean finite = true;
                        for (float f : v) {
                            finite &= Float.isFinite(f);
                        }
                        if (finite) {
                            ok.add(okIds.get(r));
                            keep.add(v);
                        } else {
                            out.add(error(okIds.get(r), "the tensor holds NaN, null or infinite values"));
                        }
                    }
                    if (!ok.isEmpty()) {
                        out.addAll(rows(ok, stack(keep)));
                    }
                    return out;
                }
            }
            Explanation e = explainer.explain(x, Targets.predicted());
            Tensor a = e.attribution();
            Tensor y = e.output();
            int k = y.size() / x.dim(0);
            int per = a.size() / x.dim(0);
            int c = a.dim(1);
            int h = a.dim(2);
            int w = a.dim(3);
            float[] ad = a.toArray();
            float[] yd = y.toArray();
            for (int i = 0; i < okIds.size(); i++) {
                int t = e.targets()[i];
                List<List<List<Float>>> nested = new ArrayList<>(c);
                double sum = 0;
                for (int ch = 0; ch < c; ch++) {
                    List<List<Float>> plane = new ArrayList<>(h);
                    for (int yy = 0; yy < h; yy++) {
                        List<Float> row = new ArrayList<>(w);
                        for (int xx = 0; xx < w; xx++) {
                            float v = ad[i * per + (ch * h + yy) * w + xx];
                            row.add(v);
                            sum += v;
                        }
                        plane.add(row);
                    }
                    nested.add(plane);
                }
                double[] shares = o.masks().shares(ad, i * per, c, h, w);
                Map<String, Double> share = new HashMap<>();
                for (int mIdx = 0; mIdx < shares.length; mIdx++) {
                    share.put(o.masks().masks().get(mIdx).name(), shares[mIdx]);
                }
                byte[] png = null;
                if (o.png()) {
                    png = png(a.select(i));
                }
                out.add(RowFactory.create(okIds.get(i), t, yd[i * k + t], t,
                        scala.jdk.javaapi.CollectionConverters.asScala(nested.stream().map(p ->
                                scala.jdk.javaapi.CollectionConverters.asScala(p.stream().map(
                                        scala.jdk.javaapi.CollectionConverters::asScala).toList())).toList()),
                        sum, scala.jdk.javaapi.CollectionConverters.asScala(share), png, null, labels.get(okIds.get(i))));
            }
            return out;
        }
    }

    static byte[] png(Tensor relevance) {
        try {
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(Heatmap.render(relevance, null, Heatmap.Style.defaults()), "png", b);
            return b.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String firstLine(String s) {
        return s == null ? "unknown problem" : s.lines().findFirst().orElse("").trim();
    }
}
