package org.lrp4j.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.viz.Heatmap;

/**
 * A dataset-level audit of heatmaps (in the spirit of SpRAy, Lapuschkin et al. 2019): per predicted class the mean
 * relevance map, and a k-means clustering of the heatmaps, each summed over channels, average-pooled to
 * {@code size x size} and scaled to unit L2 norm, with the members closest to each centroid as representatives. A class
 * whose decisions rest on an artefact (a watermark, a border) shows a cluster whose centroid sits on the artefact.
 * Mean maps are summed on the executors; the pooled maps (size^2 values per image, at most {@code maxPerClass} per
 * class, a seeded sample beyond) are clustered on the driver, k-means++ seeded.
 */
public final class HeatmapReport {
    private HeatmapReport() {
    }

    /** One cluster: its size, its centroid map (size x size) and the ids nearest to the centroid. */
    public record Cluster(int size, float[] centroid, List<String> representatives) {
    }

    /** One predicted class: how many images, the mean map (H x W) and the clusters, largest first. */
    public record ClassReport(int cls, long images, float[] mean, int height, int width, List<Cluster> clusters) {
    }

    /** What one partition hands the driver: per class the sum of its maps, and per image its pooled map. */
    private record Partial(int cls, String id, float[] pooled, float[] sum, long count, int height, int width)
            implements java.io.Serializable {
    }

    /** Builds the report from the rows of {@link ExplainJob#explain} (rows with an error are left out). */
    public static List<ClassReport> build(Dataset<Row> explained, int k, int size, int maxPerClass, long seed) {
        List<Partial> parts = explained.filter("error IS NULL").select("id", "predicted", "relevance").javaRDD()
                .mapPartitions(rows -> {
                    java.util.Map<Integer, Partial> sums = new java.util.HashMap<>();
                    List<Partial> out = new ArrayList<>();
                    while (rows.hasNext()) {
                        Row r = rows.next();
                        float[][] map = summed(r.getList(2));
                        int h = map.length;
                        int w = map[0].length;
                        int cls = r.getInt(1);
                        out.add(new Partial(cls, r.getString(0), pool(map, size), null, 1, h, w));
                        Partial acc = sums.computeIfAbsent(cls, c -> new Partial(c, null, null, new float[h * w], 0,
                                h, w));
                        for (int y = 0; y < h; y++) {
                            for (int x = 0; x < w; x++) {
                                acc.sum()[y * w + x] += map[y][x];
                            }
                        }
                        sums.put(cls, new Partial(cls, null, null, acc.sum(), acc.count() + 1, h, w));
                    }
                    out.addAll(sums.values());
                    return out.iterator();
                }).collect();
        java.util.Map<Integer, float[]> sum = new java.util.TreeMap<>();
        java.util.Map<Integer, long[]> count = new java.util.HashMap<>();
        java.util.Map<Integer, int[]> shape = new java.util.HashMap<>();
        java.util.Map<Integer, List<Partial>> pooled = new java.util.HashMap<>();
        for (Partial p : parts) {
            if (p.sum() != null) {
                float[] s = sum.computeIfAbsent(p.cls(), c -> new float[p.sum().length]);
                for (int i = 0; i < s.length; i++) {
                    s[i] += p.sum()[i];
                }
                count.computeIfAbsent(p.cls(), c -> new long[1])[0] += p.count();
                shape.put(p.cls(), new int[] {p.height(), p.width()});
            } else {
                pooled.computeIfAbsent(p.cls(), c -> new ArrayList<>()).add(p);
            }
        }
        List<ClassReport> out = new ArrayList<>();
        for (var e : sum.entrySet()) {
            int cls = e.getKey();
            long n = count.get(cls)[0];
            float[] mean = e.getValue().clone();
            for (int i = 0; i < mean.length; i++) {
                mean[i] /= n;
            }
            List<Partial> members = new ArrayList<>(pooled.get(cls));
            members.sort((a, b) -> a.id().compareTo(b.id()));
            if (members.size() > maxPerClass) {
                int[] perm = org.lrp4j.train.Trainer.permutation(members.size(), new SplittableRandom(seed + cls));
                List<Partial> sample = new ArrayList<>();
                for (int i = 0; i < maxPerClass; i++) {
                    sample.add(members.get(perm[i]));
                }
                members = sample;
            }
            List<float[]> vectors = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            for (Partial p : members) {
                vectors.add(p.pooled());
                ids.add(p.id());
            }
            int[] hw = shape.get(cls);
            out.add(new ClassReport(cls, n, mean, hw[0], hw[1], kmeans(vectors, ids, k, size, seed)));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static float[][] summed(List<Object> relevance) {
        float[][] map = null;
        for (Object plane : relevance) {
            List<Object> rows = scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<Object>) plane);
            if (map == null) {
                int w = ((scala.collection.Seq<Object>) rows.get(0)).size();
                map = new float[rows.size()][w];
            }
            for (int y = 0; y < rows.size(); y++) {
                List<Object> row = scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<Object>) rows.get(y));
                for (int x = 0; x < row.size(); x++) {
                    map[y][x] += ((Number) row.get(x)).floatValue();
                }
            }
        }
        return map;
    }

    /** Average-pooled to size x size (cells of the nearest grid), unit L2 norm. */
    static float[] pool(float[][] map, int size) {
        int h = map.length;
        int w = map[0].length;
        float[] p = new float[size * size];
        int[] count = new int[size * size];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int cell = (y * size / h) * size + x * size / w;
                p[cell] += map[y][x];
                count[cell]++;
            }
        }
        double norm = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] /= Math.max(1, count[i]);
            norm += p[i] * p[i];
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < p.length && norm > 0; i++) {
            p[i] /= norm;
        }
        return p;
    }

    /** Seeded k-means++ and Lloyd iterations; clusters largest first, with the 3 members nearest each centroid. */
    static List<Cluster> kmeans(List<float[]> v, List<String> ids, int k, int size, long seed) {
        int n = v.size();
        int d = size * size;
        k = Math.min(k, n);
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] c = new float[k][];
        c[0] = v.get(rng.nextInt(n)).clone();
        double[] dist = new double[n];
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                double best = Double.MAX_VALUE;
                for (int q = 0; q < j; q++) {
                    best = Math.min(best, d2(v.get(i), c[q]));
                }
                dist[i] = best;
                total += best;
            }
            double r = rng.nextDouble() * total;
            int pick = n - 1;
            for (int i = 0; i < n; i++) {
                r -= dist[i];
                if (r <= 0) {
                    pick = i;
                    break;
                }
            }
            c[j] = v.get(pick).clone();
        }
        int[] assign = new int[n];
        for (int iter = 0; iter < 50; iter++) {
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                int best = 0;
                for (int q = 1; q < k; q++) {
                    if (d2(v.get(i), c[q]) < d2(v.get(i), c[best])) {
                        best = q;
                    }
                }
                changed |= assign[i] != best;
                assign[i] = best;
            }
            float[][] next = new float[k][d];
            int[] cnt = new int[k];
            for (int i = 0; i < n; i++) {
                cnt[assign[i]]++;
                for (int t = 0; t < d; t++) {
                    next[assign[i]][t] += v.get(i)[t];
                }
            }
            for (int q = 0; q < k; q++) {
                if (cnt[q] > 0) {
                    for (int t = 0; t < d; t++) {
                        next[q][t] /= cnt[q];
                    }
                    c[q] = next[q];
                }
            }
            if (!changed && iter > 0) {
                break;
            }
        }
        List<Cluster> out = new ArrayList<>();
        for (int q = 0; q < k; q++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (assign[i] == q) {
                    members.add(i);
                }
            }
            if (members.isEmpty()) {
                continue;
            }
            float[] centre = c[q];
            members.sort((a, b) -> Double.compare(d2(v.get(a), centre), d2(v.get(b), centre)));
            List<String> reps = new ArrayList<>();
            for (int i = 0; i < Math.min(3, members.size()); i++) {
                reps.add(ids.get(members.get(i)));
            }
            out.add(new Cluster(members.size(), centre, reps));
        }
        out.sort((a, b) -> Integer.compare(b.size(), a.size()));
        return out;
    }

    private static double d2(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double t = a[i] - b[i];
            s += t * t;
        }
        return s;
    }

    /** Writes {@code report.html} (mean maps and cluster centroids as pictures) and {@code clusters.json}. */
    public static void write(List<ClassReport> report, List<String> classNames, int size, Path dir) throws IOException {
        Files.createDirectories(dir);
        StringBuilder html = new StringBuilder("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>lrp4j heatmap"
                + " report</title><style>body{font-family:sans-serif}img{width:112px;height:112px;"
                + "image-rendering:pixelated;border:1px solid #ddd}td{vertical-align:top;padding:4px 10px}</style>"
                + "</head><body><h1>Heatmaps per predicted class</h1><table>");
        StringBuilder json = new StringBuilder("[");
        for (ClassReport c : report) {
            String name = c.cls() < classNames.size() ? classNames.get(c.cls()) : "class " + c.cls();
            html.append("<tr><td><b>").append(c.cls()).append(' ').append(escape(name)).append("</b><br>")
                    .append(c.images()).append(" images<br><img src=\"").append(png(c.mean(), c.height(), c.width()))
                    .append("\" alt=\"mean\"><br>mean map</td>");
            json.append(json.length() > 1 ? "," : "").append("{\"class\":").append(c.cls()).append(",\"images\":")
                    .append(c.images()).append(",\"clusters\":[");
            for (int q = 0; q < c.clusters().size(); q++) {
                Cluster k = c.clusters().get(q);
                html.append("<td>cluster ").append(q).append(": ").append(k.size()).append(" images<br><img src=\"")
                        .append(png(k.centroid(), size, size)).append("\" alt=\"centroid\"><br>")
                        .append(escape(String.join(", ", k.representatives()))).append("</td>");
                json.append(q > 0 ? "," : "").append("{\"size\":").append(k.size()).append(",\"representatives\":[");
                for (int r = 0; r < k.representatives().size(); r++) {
                    json.append(r > 0 ? "," : "").append('"').append(k.representatives().get(r).replace("\"", ""))
                            .append('"');
                }
                json.append("],\"centroid\":[");
                for (int t = 0; t < k.centroid().length; t++) {
                    json.append(t > 0 ? "," : "").append(String.format(Locale.ROOT, "%.5g", k.centroid()[t]));
                }
                json.append("]}");
            }
            json.append("]}");
            html.append("</tr>");
        }
        html.append("</table></body></html>\n");
        json.append("]\n");
        Files.writeString(dir.resolve("report.html"), html, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("clusters.json"), json, StandardCharsets.UTF_8);
    }

    private static String png(float[] map, int h, int w) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(Heatmap.render(Tensor.wrap(map.clone(), 1, h, w), null,
                Heatmap.Style.defaults().withMinSize(1)), "png", b);
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(b.toByteArray());
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;");
    }
}
