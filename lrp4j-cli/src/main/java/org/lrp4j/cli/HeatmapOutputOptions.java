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
import org.lrp4j.image.ImageBatch;

import picocli.CommandLine.Option;

/**
 * Options that write heatmap PNGs of an explanation; add to a command with {@code @Mixin HeatmapOutputOptions
 * heatmaps;} and call {@link #write} when {@link #given()}.
 */
public final class HeatmapOutputOptions {

    @Option(names = "--heatmap", paramLabel = "FILE.png|DIR",
            description = "write heatmap PNGs: FILE.png for one image, FILE-<name>.png for several (<name>: the"
                    + " image's file name, or its position for --input), FILE[-<name>]-<class>-<classname>.png per"
                    + " class with --target all (one grid per image with --grid); an existing folder DIR gets"
                    + " DIR/<name>.png")
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

    @Option(names = "--percentile", paramLabel = "P", defaultValue = "99",
            description = "full colour at the P-th percentile of |relevance| of each heatmap, larger values clipped;"
                    + " 100 scales by the maximum (default: ${DEFAULT-VALUE}, as in the demo)")
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

    /**
     * Checks every heatmap option before any work starts: the colour map, the percentile, that the options which
     * only shape heatmaps come with {@code --heatmap}, that {@code --overlay} has images under it, and that the
     * heatmap path can be written (its parent a writable folder, or creatable).
     */
    public void validate(boolean imageInput) {
        ColorMap.parse(colormap);
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("--percentile must be in (0, 100], not " + percentile);
        }
        if (heatmap == null) {
            for (String[] o : new String[][] {{"--overlay", Boolean.toString(overlay)}, {"--grid",
                Boolean.toString(grid)}, {"--colorbar", Boolean.toString(colorbar)}}) {
                if (o[1].equals("true")) {
                    throw new IllegalArgumentException(o[0] + " shapes the heatmap PNGs: add --heatmap FILE.png");
                }
            }
            return;
        }
        if (overlay && !imageInput) {
            throw new IllegalArgumentException("--overlay blends the heatmap over the input image: give the input as"
                    + " --image FILE (not --input x.npy), or leave --overlay out");
        }
        if (labels != null && !Files.isRegularFile(labels)) {
            throw new IllegalArgumentException("--labels " + labels + ": no such file");
        }
        Outputs.checkFolder(Files.isDirectory(heatmap) ? heatmap : heatmap.toAbsolutePath().getParent(),
                "--heatmap " + heatmap);
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
        Tensor a = e.attribution();
        int n = a.dim(0);
        boolean classAxis = e.targets().length > n
                || (images != null && a.rank() == images.input().rank() + 1);
        int k = classAxis ? a.dim(1) : 0;
        int outputs = e.output().size() / Math.max(1, e.output().dim(0));
        Session s = open(n, classNames, Math.max(outputs, k), images);
        for (int i = 0; i < n; i++) {
            if (!classAxis) {
                s.image(i, e.targets()[i], a.select(i));
                continue;
            }
            for (int c = 0; c < k; c++) {
                s.classMap(i, c, a.select(i).select(c), score(e.output(), n, k, i, c));
            }
            s.endImage(i);
        }
        return s.finish();
    }

    /** Starts writing the heatmaps of {@code n} images one by one (see {@link Session}). */
    public Session open(int n, List<String> classNames, int classes, ImageBatch images) throws IOException {
        Heatmap.Style style = style();
        if (style.overlay() && images == null) {
            throw new IllegalArgumentException("--overlay needs the input as --image");
        }
        return new Session(n, classNames(classNames, classes), images, style);
    }

    /**
     * Writes heatmaps as they are computed: {@link #image} for one map per image, {@link #classMap} per class of an
     * image followed by {@link #endImage} (which writes the image's grid with --grid), then {@link #finish}. With
     * --grid, only the panels of the current image (or the small per-image panels) are held.
     */
    public final class Session {
        private final List<String> names;
        private final ImageBatch images;
        private final Heatmap.Style style;
        private final boolean intoFolder = Files.isDirectory(heatmap);
        private final Path dir = intoFolder ? heatmap.toAbsolutePath() : heatmap.toAbsolutePath().getParent();
        private final String stem = intoFolder ? "" : stem(heatmap);
        private final List<String> imageTags;
        private final List<Path> written = new ArrayList<>();
        private final List<Grid.Panel> imagePanels = new ArrayList<>();
        private final List<Grid.Panel> classPanels = new ArrayList<>();

        private Session(int n, List<String> names, ImageBatch images, Heatmap.Style style) {
            this.names = names;
            this.images = images;
            this.style = style;
            this.imageTags = imageTags(n, images, intoFolder);
        }

        private Tensor picture(int i) {
            return images == null ? null : images.image(i);
        }

        /** The heatmap of image i for its one target. */
        public void image(int i, int target, Tensor relevance) throws IOException {
            BufferedImage img = Heatmap.render(relevance, picture(i), style);
            if (grid) {
                String imageName = images == null ? "image " + i : fileName(images.names().get(i));
                imagePanels.add(new Grid.Panel(imageName + "\n" + label(target, names), img));
            } else {
                png(img, dir.resolve(stem + imageTags.get(i) + ".png"));
            }
        }

        /** The heatmap of image i for class c; {@code score} titles the grid panel. */
        public void classMap(int i, int c, Tensor relevance, String score) throws IOException {
            BufferedImage img = Heatmap.render(relevance, picture(i), style);
            if (grid) {
                classPanels.add(new Grid.Panel(label(c, names) + "\n" + score, img));
            } else {
                png(img, dir.resolve(stem + imageTags.get(i) + "-" + c + "-" + safe(names.get(c)) + ".png"));
            }
        }

        /** After the classes of image i: its grid with --grid. */
        public void endImage(int i) throws IOException {
            if (grid && !classPanels.isEmpty()) {
                png(Grid.layout(classPanels, 5), dir.resolve(stem + imageTags.get(i) + ".png"));
                classPanels.clear();
            }
        }

        /** Writes what is pending (the grid of all images) and returns every file written. */
        public List<Path> finish() throws IOException {
            if (!imagePanels.isEmpty()) {
                png(Grid.layout(imagePanels, 6), dir.resolve((intoFolder ? "heatmaps" : stem) + ".png"));
                imagePanels.clear();
            }
            return List.copyOf(written);
        }

        private void png(BufferedImage img, Path p) throws IOException {
            Heatmap.writePng(img, p);
            written.add(p);
        }
    }

    /**
     * The part of each image's file name after the stem: nothing for one image written to FILE.png, else "-" and
     * the image's own file name (without extension), or its zero-padded position when the input has no file names
     * or two images share one; into a folder the name alone.
     */
    private static List<String> imageTags(int n, ImageBatch images, boolean intoFolder) {
        List<String> tags = new ArrayList<>();
        String width = Integer.toString(Math.max(0, n - 1));
        java.util.Set<String> seen = new java.util.HashSet<>();
        boolean byName = images != null;
        for (int i = 0; byName && i < n; i++) {
            byName = seen.add(stem(Path.of(fileName(images.names().get(i)))));
        }
        for (int i = 0; i < n; i++) {
            String name = byName ? safe(stem(Path.of(fileName(images.names().get(i))))) : pad(i, width.length());
            tags.add(intoFolder ? (byName ? name : "heatmap-" + name) : n == 1 ? "" : "-" + name);
        }
        return tags;
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
        int dot = s.lastIndexOf('.');
        return dot > 0 ? s.substring(0, dot) : s;
    }
}
