package org.lrp4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Spark job's command line: {@code lrp4j-spark explain --master 'local[N]' --model m.onnx --images DIR
 * --method lrp:epsilon-plus-flat --out DIR [--format parquet|json]}; under {@code spark-submit} the master comes
 * from spark-submit and {@code --master} may be left out.
 */
@Command(name = "lrp4j-spark", mixinStandardHelpOptions = true, subcommands = {SparkMain.Explain.class, SparkMain.Flip.class},
        description = "Explain image datasets on Apache Spark with lrp4j in every executor.")
public final class SparkMain implements Callable<Integer> {

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setExecutionExceptionHandler((e, c, p) -> {
            if (e instanceof IllegalArgumentException || e instanceof java.io.IOException) {
                c.getErr().println("lrp4j-spark " + c.getCommandName() + ": error: " + e.getMessage());
                return 2;
            }
            c.getErr().println("lrp4j-spark: internal error (please report): " + e);
            e.printStackTrace(c.getErr());
            return 1;
        });
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /** explain's preprocessing overrides, written into the pipeline spec the jobs take. */
    static final class PreprocessOptions {
        @Option(names = "--preprocess", defaultValue = "auto", description = "auto, imagenet, fashion-mnist or none"
                + " (default: ${DEFAULT-VALUE})")
        String preset;

        @Option(names = "--resize", description = "resize the shorter side to N pixels")
        Integer resize;

        @Option(names = "--crop", description = "center crop to N or HxW pixels")
        String crop;

        @Option(names = "--gray", description = "convert images to grayscale")
        boolean gray;

        @Option(names = "--rgb", description = "use three channels R, G, B")
        boolean rgb;

        @Option(names = "--mean", description = "per-channel mean: one value or R,G,B")
        String mean;

        @Option(names = "--std", description = "per-channel standard deviation: one value or R,G,B")
        String std;

        String spec() {
            if (gray && rgb) {
                throw new IllegalArgumentException("give --gray or --rgb, not both");
            }
            StringBuilder sb = new StringBuilder(preset);
            if (resize != null) {
                sb.append(";resize=").append(resize);
            }
            if (crop != null) {
                sb.append(";crop=").append(crop);
            }
            if (gray) {
                sb.append(";gray");
            }
            if (rgb) {
                sb.append(";rgb");
            }
            if (mean != null) {
                sb.append(";mean=").append(mean);
            }
            if (std != null) {
                sb.append(";std=").append(std);
            }
            return sb.toString();
        }
    }

    /** A session on {@code master}, else spark-submit's, else local[*]; Spark's own log at WARN. */
    static SparkSession session(String appName, String master) {
        SparkSession.Builder b = SparkSession.builder().appName(appName).config("spark.ui.showConsoleProgress", "true");
        if (master != null) {
            b.master(master);
        } else if (System.getProperty("spark.master") == null) {
            b.master("local[*]");
        }
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        return spark;
    }

    @Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Explain every file of a folder (or a Parquet table with columns id and content) and write a"
                    + " table: id, predicted, score, target, relevance [C][H][W], relevance_sum, mask_share, png,"
                    + " error. Unreadable files become rows with the reason in error.")
    static final class Explain implements Callable<Integer> {
        @Option(names = "--master", description = "Spark master, e.g. local[2] (default: from spark-submit, else"
                + " local[*])")
        String master;

        @Option(names = "--model", required = true, description = "ONNX model")
        Path model;

        @Option(names = "--images", description = "folder of images (every file becomes a row)")
        String images;

        @Option(names = "--table", description = "Parquet table with a column id and the image as content (file"
                + " bytes) or tensor (the model input as floats, normalised); an optional label column is carried")
        String table;

        @Option(names = "--method", defaultValue = "lrp:epsilon-plus-flat", description = "lrp:PRESET, lrp:RULE or an"
                + " explain method (default: ${DEFAULT-VALUE})")
        String method;

        @CommandLine.Mixin
        PreprocessOptions preprocess;

        @Option(names = "--batch", defaultValue = "32", description = "images per explanation call in a task"
                + " (default: ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--png", description = "also store each heatmap as PNG bytes")
        boolean png;

        @Option(names = "--mask", description = "report the share of positive relevance in a region: border:K or"
                + " rect:NAME:Y0,X0,Y1,X1 (repeatable)")
        List<String> masks = new ArrayList<>();

        @Option(names = "--out", required = true, description = "output folder")
        String out;

        @Option(names = "--format", defaultValue = "parquet", description = "parquet or json (default:"
                + " ${DEFAULT-VALUE})")
        String format;

        @Option(names = "--report", description = "also write the per-class heatmap report (mean maps, k-means"
                + " clusters of the heatmaps with representatives) to this local folder: report.html, clusters.json")
        Path report;

        @Option(names = "--clusters", defaultValue = "4", description = "clusters per class in --report (default:"
                + " ${DEFAULT-VALUE})")
        int clusters;

        @Option(names = "--labels", description = "class names, one per line, for --report")
        Path labels;

        @Override
        public Integer call() throws Exception {
            if ((images == null) == (table == null)) {
                throw new IllegalArgumentException("give the input as --images DIR or --table T.parquet (one of the"
                        + " two)");
            }
            if (!format.equals("parquet") && !format.equals("json")) {
                throw new IllegalArgumentException("--format must be parquet or json, not '" + format + "'");
            }
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException("model file not found: " + model);
            }
            ExplainJob.Options o = new ExplainJob.Options(method, preprocess.spec(), batch, png, Masks.parse(masks));
            SparkSession spark = session("lrp4j-spark explain", master);
            try {
                Dataset<Row> in = images != null ? ExplainJob.readImages(spark, images)
                        : spark.read().parquet(table);
                long inputs = in.count();
                Dataset<Row> result = ExplainJob.explain(spark, Files.readAllBytes(model), in, o).cache();
                if (format.equals("json")) {
                    result.drop("png").write().mode("overwrite").json(out);
                } else {
                    result.write().mode("overwrite").parquet(out);
                }
                long rows = result.count();
                long errors = result.filter("error IS NOT NULL").count();
                System.out.printf("lrp4j-spark: %d input(s): %d explained, %d error row(s) (reasons in the error"
                        + " column); written to %s as %s%n", inputs, rows - errors, errors, out, format);
                if (rows != inputs) {
                    throw new IllegalStateException("row count " + rows + " differs from the input count " + inputs);
                }
                if (report != null) {
                    List<String> names = labels == null ? List.of() : Files.readAllLines(labels);
                    HeatmapReport.write(HeatmapReport.build(result, clusters, 8, 20_000, 0), names, 8, report);
                    System.out.println("lrp4j-spark: heatmap report written to " + report.resolve("report.html"));
                }
            } finally {
                spark.stop();
            }
            return 0;
        }
    }

    @Command(name = "pixel-flipping", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Dataset-level pixel flipping: the numbers of 'lrp4j pixel-flipping' on the same images with"
                    + " the same seed, computed on Spark. Writes curves.csv, summary.md, summary.jsonl,"
                    + " pixel-flipping.svg and .png to --out (a local folder of the driver).")
    static final class Flip implements Callable<Integer> {
        @Option(names = "--master", description = "Spark master, e.g. local[2]")
        String master;

        @Option(names = "--model", required = true, description = "ONNX model")
        Path model;

        @Option(names = "--images", required = true, description = "folder of images")
        String images;

        @Option(names = "--methods", defaultValue = "lrp:epsilon-plus-flat,gradient-x-input,random",
                description = "as lrp4j pixel-flipping (default: ${DEFAULT-VALUE})")
        String methods;

        @Option(names = "--order", defaultValue = "morf,lerf,random", description = "(default: ${DEFAULT-VALUE})")
        String order;

        @Option(names = "--region", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
        int region;

        @Option(names = "--steps", defaultValue = "20", description = "(default: ${DEFAULT-VALUE})")
        int steps;

        @Option(names = "--fraction", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
        double fraction;

        @Option(names = "--perturb", defaultValue = "uniform", description = "(default: ${DEFAULT-VALUE})")
        String perturb;

        @Option(names = "--score", defaultValue = "logit", description = "(default: ${DEFAULT-VALUE})")
        String score;

        @Option(names = "--seed", defaultValue = "0", description = "(default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--normalize", description = "divide each image's curve by its unperturbed score")
        boolean normalize;

        @CommandLine.Mixin
        PreprocessOptions preprocess;

        @Option(names = "--out", required = true, description = "output folder on the driver")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (!Files.isRegularFile(model)) {
                throw new IllegalArgumentException("model file not found: " + model);
            }
            org.lrp4j.eval.Score sc = org.lrp4j.eval.Score.parse(score);
            org.lrp4j.eval.Perturbation.parse(perturb);
            FlipJob.Options o = new FlipJob.Options(methods, org.lrp4j.eval.Order.parseList(order), region, steps,
                    fraction, perturb, sc, seed, normalize, preprocess.spec());
            SparkSession spark = session("lrp4j-spark pixel-flipping", master);
            FlipJob.Result r;
            try {
                r = FlipJob.run(spark, Files.readAllBytes(model), ExplainJob.readImages(spark, images), o);
            } finally {
                spark.stop();
            }
            Files.createDirectories(out);
            Files.writeString(out.resolve("curves.csv"), org.lrp4j.eval.FlipReport.csv(r.curves()));
            Files.writeString(out.resolve("summary.md"), org.lrp4j.eval.FlipReport.markdown(r.curves()));
            StringBuilder jl = new StringBuilder();
            for (org.lrp4j.eval.FlipCurve c : r.curves()) {
                jl.append(org.lrp4j.eval.FlipReport.json(c, sc, normalize)).append('\n');
            }
            Files.writeString(out.resolve("summary.jsonl"), jl);
            var panels = org.lrp4j.eval.FlipReport.panels(r.curves(), sc, normalize);
            String title = "Pixel flipping, " + r.images() + " images";
            Files.writeString(out.resolve("pixel-flipping.svg"), org.lrp4j.viz.LineChart.svg(title, panels));
            javax.imageio.ImageIO.write(org.lrp4j.viz.LineChart.png(title, panels), "png",
                    out.resolve("pixel-flipping.png").toFile());
            System.out.print(org.lrp4j.eval.FlipReport.markdown(r.curves()));
            System.out.printf("lrp4j-spark: %d image(s) evaluated, %d unreadable file(s) left out; written to %s%n",
                    r.images(), r.errors(), out);
            return 0;
        }
    }
}
