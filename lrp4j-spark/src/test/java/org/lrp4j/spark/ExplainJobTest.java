package org.lrp4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.eval.MethodSpecs;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.onnx.OnnxExporter;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.ImageFiles;
import org.lrp4j.image.Preprocessing;

class ExplainJobTest {

    static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("lrp4j-test").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /**
     * n gray 28 x 28 PNGs named img-000.png ...: the first n Fashion-MNIST test images when the dataset is installed,
     * else seeded synthetic ones (a bright square at a seeded place), with a notice.
     */
    static Path images(int n) throws Exception {
        Path d = dir.resolve("images-" + n);
        Files.createDirectories(d);
        if (Files.exists(org.lrp4j.data.FashionMnist.DEFAULT_DIR.resolve("t10k-images-idx3-ubyte.gz"))) {
            float[] x = org.lrp4j.data.FashionMnist.load(org.lrp4j.data.FashionMnist.DEFAULT_DIR,
                    org.lrp4j.data.FashionMnist.Split.TEST).head(n).images().toArray();
            for (int i = 0; i < n; i++) {
                BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                for (int p = 0; p < 784; p++) {
                    float v = x[i * 784 + p] * org.lrp4j.data.FashionMnist.STD + org.lrp4j.data.FashionMnist.MEAN;
                    g.getRaster().setSample(p % 28, p / 28, 0, Math.round(Math.max(0, Math.min(1, v)) * 255));
                }
                ImageIO.write(g, "png", d.resolve(String.format("img-%03d.png", i)).toFile());
            }
            return d;
        }
        System.err.println("NOTICE: Spark tests use synthetic images: apt-get install dataset-fashion-mnist for the"
                + " real ones");
        java.util.SplittableRandom r = new java.util.SplittableRandom(n);
        for (int i = 0; i < n; i++) {
            BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            int y0 = r.nextInt(18);
            int x0 = r.nextInt(18);
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    boolean in = y >= y0 && y < y0 + 10 && x >= x0 && x < x0 + 10;
                    g.getRaster().setSample(x, y, 0, in ? 150 + r.nextInt(100) : r.nextInt(40));
                }
            }
            ImageIO.write(g, "png", d.resolve(String.format("img-%03d.png", i)).toFile());
        }
        return d;
    }

    @Test
    void theJobOnLocal2EqualsTheSingleJvmExplanationAndKeepsEveryRow() throws Exception {
        Model m = Architectures.create("cnn", 1, 28, 10, 4);
        Path onnx = dir.resolve("cnn.onnx");
        OnnxExporter.save(m, onnx);
        Path imgs = images(300);
        Files.writeString(imgs.resolve("notes.txt"), "not an image");
        Files.write(imgs.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        ExplainJob.Options o = new ExplainJob.Options("lrp:epsilon-plus-flat", "auto", 16, true,
                Masks.parse(List.of("border:3", "rect:corner:0,0,6,6")));
        Dataset<Row> in = ExplainJob.readImages(spark, imgs.toString()).repartition(3);
        List<Row> rows = new ArrayList<>(ExplainJob.explain(spark, Files.readAllBytes(onnx), in, o)
                .orderBy("id").collectAsList());
        assertThat(rows).hasSize(302);
        Row broken = rows.stream().filter(r -> r.getString(0).equals("broken.png")).findFirst().orElseThrow();
        assertThat(broken.getString(8)).contains("broken.png");
        assertThat(broken.isNullAt(1)).isTrue();
        Row notes = rows.stream().filter(r -> r.getString(0).equals("notes.txt")).findFirst().orElseThrow();
        assertThat(notes.getString(8)).isNotBlank();

        // the single-JVM reference: the same pipeline and explainer, all images in one batch
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            files.add(imgs.resolve(String.format("img-%03d.png", i)));
        }
        Preprocessing p = Preprocessing.autoBuilder(new int[] {1, 28, 28}).build();
        ImageBatch batch = p.load(files, 1);
        Tensor expected = MethodSpecs.explainer("lrp:epsilon-plus-flat", m, MethodOptions.defaults()
                .bounds(batch.bounds().low(), batch.bounds().high()), false).explain(batch.input(), Targets.predicted())
                .attribution();
        int checked = 0;
        for (Row r : rows) {
            String id = r.getString(0);
            if (!id.startsWith("img-")) {
                continue;
            }
            int i = Integer.parseInt(id.substring(4, 7));
            List<List<List<Float>>> rel = nested(r);
            double maxAbs = 0;
            double diff = 0;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    float want = expected.get(i, 0, y, x);
                    maxAbs = Math.max(maxAbs, Math.abs(want));
                    diff = Math.max(diff, Math.abs(rel.get(0).get(y).get(x) - want));
                }
            }
            assertThat(diff).as(id).isLessThanOrEqualTo(1e-5 * Math.max(1, maxAbs));
            assertThat(r.<byte[]>getAs("png")).startsWith((byte) 0x89);
            scala.collection.Map<String, Double> share = r.getMap(6);
            assertThat(share.contains("border3")).isTrue();
            assertThat((double) share.apply("corner")).isBetween(0.0, 1.0);
            checked++;
        }
        assertThat(checked).isEqualTo(300);
    }

    @Test
    void datasetPixelFlippingOnLocal2EqualsOneRunWithTheSameSeed() throws Exception {
        Model m = Architectures.create("cnn", 1, 28, 10, 6);
        Path onnx = dir.resolve("cnn6.onnx");
        OnnxExporter.save(m, onnx);
        Path imgs = images(30);
        Files.writeString(imgs.resolve("zz-notes.txt"), "not an image");
        FlipJob.Options o = new FlipJob.Options("lrp:epsilon-plus-flat,gradient-x-input,random",
                List.of(org.lrp4j.eval.Order.MORF, org.lrp4j.eval.Order.LERF, org.lrp4j.eval.Order.RANDOM), 2, 6, 1.0,
                "uniform", org.lrp4j.eval.Score.LOGIT, 11, false, "auto");
        Dataset<Row> in = ExplainJob.readImages(spark, imgs.toString()).repartition(3);
        FlipJob.Result r = FlipJob.run(spark, Files.readAllBytes(onnx), in, o);
        assertThat(r.images()).isEqualTo(30);
        assertThat(r.errors()).isEqualTo(1);

        // one run over the same images in id order
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            files.add(imgs.resolve(String.format("img-%03d.png", i)));
        }
        ImageBatch batch = Preprocessing.autoBuilder(new int[] {1, 28, 28}).build().load(files, 1);
        float lo = batch.bounds().low().toArray()[0];
        float hi = batch.bounds().high().toArray()[0];
        List<org.lrp4j.eval.Method> methods = MethodSpecs.parse(o.methods(), m, MethodOptions.defaults()
                .bounds(batch.bounds().low(), batch.bounds().high()), o.seed());
        org.lrp4j.eval.PixelFlipping.Result one = org.lrp4j.eval.PixelFlipping.builder(m).orders(o.orders())
                .region(2).steps(6).perturbation(new org.lrp4j.eval.Perturbation.Uniform())
                .range(new org.lrp4j.eval.Perturbation.Range(lo, hi)).seed(11).build()
                .run(batch.input(), Targets.predicted(), methods, null);
        List<org.lrp4j.eval.FlipCurve> expected = one.summaries(false);
        assertThat(r.curves()).hasSize(expected.size());
        for (int k = 0; k < expected.size(); k++) {
            org.lrp4j.eval.FlipCurve e = expected.get(k);
            org.lrp4j.eval.FlipCurve g = r.curves().get(k);
            assertThat(g.method()).isEqualTo(e.method());
            assertThat(g.order()).isEqualTo(e.order());
            assertThat(g.auc()).isCloseTo(e.auc(), org.assertj.core.api.Assertions.within(1e-4 * Math.max(1,
                    Math.abs(e.auc()))));
            assertThat(g.aucStderr()).isCloseTo(e.aucStderr(), org.assertj.core.api.Assertions.within(1e-4));
            for (int t = 0; t < e.curve().length; t++) {
                assertThat(g.curve()[t]).isCloseTo(e.curve()[t], org.assertj.core.api.Assertions.within(1e-4
                        * Math.max(1, Math.abs(e.curve()[t]))));
                assertThat(g.stderr()[t]).isCloseTo(e.stderr()[t], org.assertj.core.api.Assertions.within(1e-4));
            }
        }
    }

    /** 28 x 28 gray PNG: a horizontal bar, a vertical bar, and optionally a watermark in the top-left corner. */
    static void png(Path file, boolean horizontal, boolean watermark, java.util.SplittableRandom r) throws Exception {
        BufferedImage g = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                boolean on = horizontal ? (y >= 12 && y < 16 && x >= 6 && x < 22) : (x >= 12 && x < 16 && y >= 6 && y < 22);
                boolean mark = watermark && y < 3 && x < 3;
                g.getRaster().setSample(x, y, 0, on || mark ? 180 + r.nextInt(70) : r.nextInt(20));
            }
        }
        ImageIO.write(g, "png", file.toFile());
    }

    @Test
    void theClusterReportFindsAWatermarkTheClassifierRelatesTo() throws Exception {
        // class 0 weighs a horizontal bar and (strongly) the top-left corner; class 1 a vertical bar
        float[] w = new float[2 * 784];
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                boolean hbar = y >= 12 && y < 16 && x >= 6 && x < 22;
                boolean vbar = x >= 12 && x < 16 && y >= 6 && y < 22;
                w[y * 28 + x] = hbar ? 0.3f : y < 3 && x < 3 ? 3f : 0f;
                w[784 + y * 28 + x] = vbar ? 0.3f : 0f;
            }
        }
        org.lrp4j.layers.Linear fc = new org.lrp4j.layers.Linear(org.lrp4j.autodiff.Variable.parameter(
                Tensor.of(w, 2, 784)), org.lrp4j.autodiff.Variable.parameter(Tensor.zeros(2)));
        Model m = org.lrp4j.graph.ModelBuilder.create("watermark").input("input", 1, 28, 28)
                .then(new org.lrp4j.layers.Flatten()).then(fc).build();
        Path onnx = dir.resolve("watermark.onnx");
        OnnxExporter.save(m, onnx);
        Path imgs = dir.resolve("watermark");
        Files.createDirectories(imgs);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < 30; i++) {
            png(imgs.resolve(String.format("a-%02d.png", i)), true, false, r);   // genuine class 0
            png(imgs.resolve(String.format("b-%02d.png", i)), false, true, r);   // class-1 object + watermark
            png(imgs.resolve(String.format("c-%02d.png", i)), false, false, r);  // class 1
        }
        Dataset<Row> explained = ExplainJob.explain(spark, Files.readAllBytes(onnx),
                ExplainJob.readImages(spark, imgs.toString()).repartition(2), new ExplainJob.Options("lrp:epsilon",
                        "auto", 16, false, Masks.parse(List.of()))).cache();
        assertThat(explained.filter("predicted = 0 AND id LIKE 'b-%'").count()).isEqualTo(30);
        List<HeatmapReport.ClassReport> report = HeatmapReport.build(explained, 2, 8, 1000, 1);
        HeatmapReport.ClassReport zero = report.stream().filter(c -> c.cls() == 0).findFirst().orElseThrow();
        assertThat(zero.images()).isEqualTo(60);
        HeatmapReport.Cluster corner = zero.clusters().stream()
                .max(java.util.Comparator.comparingDouble(k -> k.centroid()[0])).orElseThrow();
        assertThat(corner.size()).isEqualTo(30);
        assertThat(corner.representatives()).allMatch(id -> id.startsWith("b-"));
        HeatmapReport.write(report, List.of("horizontal", "vertical"), 8, dir.resolve("report"));
        assertThat(Files.readString(dir.resolve("report/report.html"))).contains("cluster 1: 30 images");
    }

    @Test
    void aTableOfTensorsWithLabelsIsExplainedAndTheLabelsCarried() throws Exception {
        Model m = Architectures.create("cnn", 1, 28, 10, 8);
        Path onnx = dir.resolve("cnn8.onnx");
        OnnxExporter.save(m, onnx);
        Tensor x = Tensor.randn(new java.util.SplittableRandom(2), 1f, 6, 1, 28, 28);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            float[] v = x.select(i).toArray();
            List<Float> list = new ArrayList<>();
            for (float f : v) {
                list.add(f);
            }
            rows.add(org.apache.spark.sql.RowFactory.create("t" + i, list, i % 3));
        }
        rows.add(org.apache.spark.sql.RowFactory.create("short", List.of(1f, 2f), 1));
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("id", org.apache.spark.sql.types.DataTypes.StringType)
                .add("tensor", org.apache.spark.sql.types.DataTypes.createArrayType(
                        org.apache.spark.sql.types.DataTypes.FloatType))
                .add("label", org.apache.spark.sql.types.DataTypes.IntegerType);
        Path table = dir.resolve("tensors.parquet");
        spark.createDataFrame(rows, schema).write().parquet(table.toString());
        List<Row> out = ExplainJob.explain(spark, Files.readAllBytes(onnx), spark.read().parquet(table.toString()),
                new ExplainJob.Options("lrp:epsilon-plus-flat", "auto", 4, false, Masks.parse(List.of())))
                .orderBy("id").collectAsList();
        assertThat(out).hasSize(7);
        Row bad = out.get(0);
        assertThat(bad.getString(0)).isEqualTo("short");
        assertThat(bad.getString(8)).contains("2 values");
        assertThat(bad.getInt(9)).isEqualTo(1);
        Tensor expected = MethodSpecs.explainer("lrp:epsilon-plus-flat", m, MethodOptions.defaults()
                .bounds(Tensor.scalar(-1), Tensor.scalar(1)), false).explain(x, Targets.predicted()).attribution();
        for (int i = 0; i < 6; i++) {
            Row r = out.get(i + 1);
            assertThat(r.getString(0)).isEqualTo("t" + i);
            assertThat(r.getInt(9)).isEqualTo(i % 3);
            List<List<List<Float>>> rel = nested(r);
            for (int y = 0; y < 28; y += 5) {
                for (int xx = 0; xx < 28; xx += 5) {
                    assertThat((double) rel.get(0).get(y).get(xx)).isCloseTo(expected.get(i, 0, y, xx),
                            org.assertj.core.api.Assertions.within(1e-5));
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    static List<List<List<Float>>> nested(Row r) {
        List<?> outer = r.getList(4);
        List<List<List<Float>>> out = new ArrayList<>();
        for (Object plane : outer) {
            List<List<Float>> p = new ArrayList<>();
            for (Object row : scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<Object>) plane)) {
                p.add((List<Float>) (List<?>) scala.jdk.javaapi.CollectionConverters.asJava(
                        (scala.collection.Seq<Object>) row));
            }
            out.add(p);
        }
        return out;
    }
}
