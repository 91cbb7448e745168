package org.lrp4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.lrp4j.eval.FlipCurve;
import org.lrp4j.eval.Method;
import org.lrp4j.eval.MethodSpecs;
import org.lrp4j.eval.Order;
import org.lrp4j.eval.Perturbation;
import org.lrp4j.eval.PixelFlipping;
import org.lrp4j.eval.Score;
import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.image.DecodedImage;
import org.lrp4j.image.ImageBatch;
import org.lrp4j.image.ImageFiles;
import org.lrp4j.image.Preprocessing;

/**
 * Dataset-level pixel flipping on Spark: images are numbered in id order, each partition runs
 * {@link PixelFlipping} on its images with their dataset-wide numbers (so noise and random orders are seeded as in
 * one run over everything), reduces its curves to {@link FlipCurve.Sums}, and the driver adds the parts: the summary
 * equals a one-JVM {@code lrp4j pixel-flipping} run with the same seed up to the order of additions. Unreadable
 * images are counted and left out.
 */
public final class FlipJob {
    private FlipJob() {
    }

    /** The evaluation's options, as {@code lrp4j pixel-flipping} takes them. */
    public record Options(String methods, List<Order> orders, int region, int steps, double fraction,
                          String perturbation, Score score, long seed, boolean normalize, String preprocess)
            implements Serializable {
    }

    /** The summaries and how many images were left out as unreadable. */
    public record Result(List<FlipCurve> curves, long images, long errors) {
    }

    private record Part(String method, Order order, FlipCurve.Sums sums, long errors) implements Serializable {
    }

    /** Evaluates rows (id, content) with the model {@code onnx}. */
    public static Result run(SparkSession spark, byte[] onnx, Dataset<Row> images, Options o) {
        Model m = ExplainJob.model(onnx);
        int[] chw = ExplainJob.chw(m);
        Preprocessing p = ExplainJob.pipeline(o.preprocess(), chw);
        Preprocessing.Bounds b = p.bounds(chw[0]);
        // checked on the driver before any task
        List<Method> probe = MethodSpecs.parse(o.methods(), m, MethodOptions.defaults().bounds(b.low(), b.high()),
                o.seed());
        builder(m, o, b);
        Broadcast<byte[]> model = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(onnx);
        List<Part> parts = images.orderBy("id").javaRDD().zipWithIndex()
                .mapPartitions(rows -> part(model.value(), o, rows)).collect();
        double[] fractions = new double[o.steps() + 1];
        for (int t = 0; t <= o.steps(); t++) {
            fractions[t] = o.fraction() * t / o.steps();
        }
        Map<String, FlipCurve.Sums> sums = new LinkedHashMap<>();
        long errors = 0;
        for (Part pt : parts) {
            if (pt.method() == null) {
                errors += pt.errors();
                continue;
            }
            sums.merge(pt.method() + "\u0000" + pt.order().name(), pt.sums(), FlipCurve.Sums::plus);
        }
        List<FlipCurve> curves = new ArrayList<>();
        long n = 0;
        for (Method method : probe) {
            for (Order order : o.orders()) {
                FlipCurve.Sums s = sums.get(method.name() + "\u0000" + order.name());
                if (s == null) {
                    throw new IllegalArgumentException("no readable image to evaluate");
                }
                curves.add(FlipCurve.of(method.name(), order, fractions, s));
                n = s.images();
            }
        }
        return new Result(curves, n, errors);
    }

    private static PixelFlipping.Builder builder(Model m, Options o, Preprocessing.Bounds b) {
        return PixelFlipping.builder(m).orders(o.orders()).region(o.region()).steps(o.steps()).fraction(o.fraction())
                .perturbation(Perturbation.parse(o.perturbation())).score(o.score()).seed(o.seed())
                .range(Perturbation.Range.spanning(b.low(), b.high()));
    }

    private static Iterator<Part> part(byte[] onnx, Options o, Iterator<scala.Tuple2<Row, Long>> rows) {
        Model m = ExplainJob.model(onnx);
        int[] chw = ExplainJob.chw(m);
        Preprocessing p = ExplainJob.pipeline(o.preprocess(), chw);
        Preprocessing.Bounds b = p.bounds(chw[0]);
        List<DecodedImage> images = new ArrayList<>();
        List<Long> index = new ArrayList<>();
        long errors = 0;
        while (rows.hasNext()) {
            scala.Tuple2<Row, Long> r = rows.next();
            try {
                DecodedImage d = ImageFiles.decode((byte[]) r._1().get(1), r._1().getString(0));
                p.apply(List.of(d), chw[0]);
                images.add(d);
                index.add(r._2());
            } catch (Exception e) {
                errors++;
            }
        }
        List<Part> out = new ArrayList<>();
        out.add(new Part(null, null, null, errors));
        if (images.isEmpty()) {
            return out.iterator();
        }
        ImageBatch batch;
        try {
            batch = p.apply(images, chw[0]);
        } catch (Exception e) {
            out.set(0, new Part(null, null, null, errors + images.size()));
            return out.iterator();
        }
        Tensor x = batch.input();
        List<Method> methods = MethodSpecs.parse(o.methods(), m, MethodOptions.defaults().bounds(b.low(), b.high()),
                o.seed());
        long[] idx = index.stream().mapToLong(Long::longValue).toArray();
        PixelFlipping.Result r = builder(m, o, b).build().run(x, Targets.predicted(), methods, null, idx);
        for (String method : r.methods()) {
            for (Order order : r.orders()) {
                out.add(new Part(method, order, FlipCurve.Sums.of(r.fractions(), r.curves(method, order),
                        o.normalize()), 0));
            }
        }
        return out.iterator();
    }
}
