package org.lrp4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.lrp4j.explain.Explanation;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.viz.ColorMap;
import org.lrp4j.viz.Grid;
import org.lrp4j.viz.Heatmap;
import org.lrp4j.viz.ImageBatch;

import picocli.CommandLine.Option;

/**
 * Options that write heatmap PNGs of an explanation; add to a command with {@code @Mixin HeatmapOutputOptions
 * heatmaps;} and call {@link #write} when {@link #given()}.
 */
public final class HeatmapOutputOptions {

    @Option(names = "--heatmap", paramLabel = "FILE.png",
            description = "write heatmap PNGs: FILE.png for one image, FILE-<i>.png for several,"
                    + " FILE[-<i>]-<class>-<name>.png per class with --target all (one grid per image with --grid)")
    Path heatmap;

    @Option(names = "--colormap", paramLabel = "MAP", defaultValue = "bwr",
            description = "bwr, seismic, coldnhot, red-blue (positive relevance red, negative blue), hot or gray"
                    + " (positive relevance only) (default: ${DEFAULT-VALUE})")
    String colormap;

    @Option(names = "--overlay", description = "blend the heatmap over the grayscale input image (needs --image)")
    boolean overlay;

    @Option(names = "--grid", description = "one PNG with titled panels: all classes of an image (--target all), or"
            + " all images")
    boolean grid;

    @Option(names = "--percentile", paramLabel = "P", defaultValue = "100",
            description = "normalise by the P-th percentile of |relevance| instead of the maximum, clipping larger"
                    + " values (default: ${DEFAULT-VALUE})")
    float percentile;

    @Option(names = "--colorbar", description = "add a colour bar (+1 top, -1 bottom) to each heatmap")
    boolean colorbar;

    @Option(names = "--labels", paramLabel = "FILE", description = "class names, one per line, for titles and file"
            + " names")
    Path labels;

    /** True when {@code --heatmap} was given. */
    public boolean given() {
        return heatmap != null;
    }

    public Heatmap.Style style() {
        return Heatmap.Style.defaults().withColorMap(ColorMap.parse(colormap)).withPercentile(percentile)
                .withOverlay(overlay).withColorBar(colorbar);
    }

    /**
     * The names of {@code classes} classes: the {@code --labels} file, else {@code fromModel} when it has enough
     * names, else "class 0", "class 1", ...
     */
    public List<String> classNames(List<String> fromModel, int classes) throws IOException {
        if (labels != null) {
            List<String> names = Files.readAllLines(labels).stream().map(String::trim).filter(s -> !s.isEmpty())
                    .toList();
            if (names.size() < classes) {
                throw new IllegalArgumentException("--labels " + labels + " has " + names.size()
                        + " names but the model has " + classes + " classes");
            }
            return names;
        }
        if (fromModel != null && fromModel.size() >= classes) {
            return fromModel;
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add("class " + k);
        }
        return names;
    }

    /**
     * Writes the heatmaps of {@code e} and returns the files. {@code classNames} may be empty (then
     * {@code --labels} or "class k"); {@code images} (from {@link ImageInputOptions#load}) gives the overlay base
     * and the titles, and may be null for inputs that are not images (then no overlay).
     */
    public List<Path> write(Explanation e, List<String> classNames, ImageBatch images) throws IOException {
        if (heatmap == null) {
            return List.of();
        }
        Heatmap.Style style = style();
        if (style.overlay() && images == null) {
            throw new IllegalArgumentException("--overlay needs the input as --image");
        }
        Tensor a = e.attribution();
        int n = a.dim(0);
        boolean classAxis = e.targets().length > n
                || (images != null && a.rank() == images.input().rank() + 1);
        int k = classAxis ? a.dim(1) : 0;
        int outputs = e.output().size() / Math.max(1, e.output().dim(0));
        List<String> names = classNames(classNames, Math.max(outputs, k));
        Path dir = heatmap.toAbsolutePath().getParent();
        String stem = stem(heatmap);
        String width = Integer.toString(Math.max(0, n - 1));
        List<Path> written = new ArrayList<>();
        List<Grid.Panel> imagePanels = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Tensor image = images == null ? null : images.image(i);
            String imageTag = n == 1 ? "" : "-" + pad(i, width.length());
            String imageName = images == null ? "image " + i : fileName(images.names().get(i));
            if (!classAxis) {
                int t = e.targets()[i];
                BufferedImage img = Heatmap.render(a.select(i), image, style);
                if (grid) {
                    imagePanels.add(new Grid.Panel(imageName + "\n" + label(t, names), img));
                } else {
                    Path p = dir.resolve(stem + imageTag + ".png");
                    Heatmap.writePng(img, p);
                    written.add(p);
                }
                continue;
            }
            List<Grid.Panel> classPanels = new ArrayList<>();
            for (int c = 0; c < k; c++) {
                BufferedImage img = Heatmap.render(a.select(i).select(c), image, style);
                if (grid) {
                    classPanels.add(new Grid.Panel(label(c, names) + "\n" + score(e.output(), n, k, i, c), img));
                } else {
                    Path p = dir.resolve(stem + imageTag + "-" + c + "-" + safe(names.get(c)) + ".png");
                    Heatmap.writePng(img, p);
                    written.add(p);
                }
            }
            if (grid) {
                Path p = dir.resolve(stem + imageTag + ".png");
                Heatmap.writePng(Grid.layout(classPanels, 5), p);
                written.add(p);
            }
        }
        if (!imagePanels.isEmpty()) {
            Path p = dir.resolve(stem + ".png");
            Heatmap.writePng(Grid.layout(imagePanels, 6), p);
            written.add(p);
        }
        return written;
    }

    private static String label(int cls, List<String> names) {
        String name = cls < names.size() ? names.get(cls) : "class " + cls;
        return name.equals("class " + cls) ? name : cls + " " + name;
    }

    /** The output of class c for image i: row i * k + c when the explainer ran every class as its own row. */
    private static String score(Tensor output, int n, int k, int i, int c) {
        int rows = output.dim(0);
        int cols = output.size() / Math.max(1, rows);
        int row = rows == n * k ? i * k + c : i;
        if (row >= rows || c >= cols) {
            return "";
        }
        return String.format(java.util.Locale.ROOT, "logit %.2f", output.getFlat(row * cols + c));
    }

    static String safe(String s) {
        String t = s.replaceAll("[^A-Za-z0-9_.-]+", "_");
        return t.isEmpty() ? "_" : t;
    }

    private static String fileName(String path) {
        Path f = Path.of(path).getFileName();
        return f == null ? path : f.toString();
    }

    private static String pad(int i, int width) {
        String s = Integer.toString(i);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }

    private static String stem(Path p) {
        String s = p.getFileName().toString();
        return s.toLowerCase(java.util.Locale.ROOT).endsWith(".png") ? s.substring(0, s.length() - 4) : s;
    }
}
