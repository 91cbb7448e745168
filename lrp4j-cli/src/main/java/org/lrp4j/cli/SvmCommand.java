package org.lrp4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.io.Npy;
import org.lrp4j.io.NpyArray;
import org.lrp4j.svm.BowConfig;
import org.lrp4j.svm.BowExplanation;
import org.lrp4j.svm.BowSvm;
import org.lrp4j.svm.Kernel;
import org.lrp4j.svm.SvmExplanation;
import org.lrp4j.svm.SvmFile;
import org.lrp4j.svm.SvmModel;
import org.lrp4j.svm.SvmRelevance;
import org.lrp4j.tensor.Tensor;
import org.lrp4j.viz.Grid;
import org.lrp4j.viz.Heatmap;
import org.lrp4j.image.ImageBatch;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j svm}: Bag-of-Words kernel SVMs, trained with LIBSVM and explained by LRP. */
@Command(name = "svm", mixinStandardHelpOptions = true, description = {"Kernel SVMs on Bag-of-Words image features"
        + " (Bach et al. 2015): train with LIBSVM, explain with layer-wise relevance propagation.",
        "SVM -> BoW dimensions: R_d = sum_i alpha_i y_i k_d(x_i,d, x_d) for linear, hik and chi2 (sums to f(x) - b);"
                + " first-order Taylor at a root for rbf. BoW dimensions -> local features in proportion to"
                + " m_d(l)^p; local features -> pixels over their patches."},
        subcommands = {SvmCommand.Train.class, SvmCommand.Explain.class})
final class SvmCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    /** {@code lrp4j svm train}. */
    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Train a Bag-of-Words + kernel SVM pipeline on an image data set and write it to --out.")
    static final class Train implements Callable<Integer> {

        @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist or mnist (default:"
                + " ${DEFAULT-VALUE})")
        String dataset;

        @Option(names = "--data", description = "folder with the dataset's IDX files (default:"
                + " /usr/share/datasets/fashion-mnist)")
        Path data;

        @Option(names = "--train", defaultValue = "2000", paramLabel = "N", description = "training images: the"
                + " first N of the training split (default: ${DEFAULT-VALUE})")
        int trainSize;

        @Option(names = "--test", defaultValue = "1000", paramLabel = "N", description = "test images for the"
                + " accuracy: the first N of the test split; 0 skips (default: ${DEFAULT-VALUE})")
        int testSize;

        @Option(names = "--kernel", defaultValue = "hik", description = "hik, linear, chi2 or rbf (default:"
                + " ${DEFAULT-VALUE})")
        String kernel;

        @Option(names = "--C", defaultValue = "10", description = "SVM cost C (default: ${DEFAULT-VALUE})")
        double c;

        @Option(names = "--gamma", description = "RBF gamma (default: 1 / mean squared distance of BoW vectors)")
        Double gamma;

        @Option(names = "--patch", defaultValue = "7", paramLabel = "K", description = "local features are K x K"
                + " patches (default: ${DEFAULT-VALUE})")
        int patch;

        @Option(names = "--stride", defaultValue = "3", description = "patch grid stride (default: ${DEFAULT-VALUE})")
        int stride;

        @Option(names = "--descriptor", defaultValue = "raw", description = "raw (the patch's pixels) or hog (a"
                + " histogram of 8 gradient orientations per patch) (default: ${DEFAULT-VALUE})")
        String descriptor;

        @Option(names = "--words", defaultValue = "64", paramLabel = "V", description = "codebook size (k-means)"
                + " (default: ${DEFAULT-VALUE})")
        int words;

        @Option(names = "--assign", defaultValue = "soft", description = "hard or soft assignment (default:"
                + " ${DEFAULT-VALUE})")
        String assign;

        @Option(names = "--beta", description = "soft assignment's beta in exp(-beta ||f - c||^2) (default: 1 / mean"
                + " squared distance to the nearest word)")
        Double beta;

        @Option(names = "--pooling", defaultValue = "1", paramLabel = "P", description = "p of p-means pooling, >= 1;"
                + " 1 is mean pooling (default: ${DEFAULT-VALUE})")
        double pooling;

        @Option(names = "--seed", defaultValue = "0", description = "seed of k-means (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "pipeline file to write, e.g."
                + " model.svm")
        Path out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (trainSize < 2) {
                throw bad(spec, "--train must be at least 2, not " + trainSize);
            }
            if (testSize < 0) {
                throw bad(spec, "--test must be at least 0, not " + testSize);
            }
            BowConfig.Assignment assignment;
            BowConfig probe;
            try {
                Kernel.parse(kernel, gamma == null ? 1 : gamma);
                assignment = BowConfig.Assignment.parse(assign);
                boolean mnist = dataset.equalsIgnoreCase("mnist");
                probe = new BowConfig(1, 28, 28, patch, stride, BowConfig.Descriptor.parse(descriptor), words,
                        assignment, beta == null ? Double.NaN : beta,
                        pooling, mnist ? FashionMnist.MNIST_MEAN : FashionMnist.MEAN,
                        mnist ? FashionMnist.MNIST_STD : FashionMnist.STD);
                if (!(c > 0)) {
                    throw new IllegalArgumentException("--C must be > 0, not " + c);
                }
                if (gamma != null && !kernel.equalsIgnoreCase("rbf")) {
                    throw new IllegalArgumentException("--gamma applies to --kernel rbf only");
                }
            } catch (IllegalArgumentException e) {
                throw bad(spec, e.getMessage());
            }
            Dataset train = FashionMnist.load(dataset, TrainCommand.dataDir(dataset, data), FashionMnist.Split.TRAIN);
            if (train.sampleShape().dim(0) != 1 || train.sampleShape().dim(1) != 28) {
                throw new IllegalArgumentException("expected 1x28x28 images, not " + train.sampleShape());
            }
            Dataset part = train.head(Math.min(trainSize, train.size()));
            long t0 = System.nanoTime();
            ProgressBar[] bar = {null};
            String[] stage = {""};
            BowSvm model = BowSvm.fit(part.images(), part.labels(), probe, kernel, gamma == null ? Double.NaN : gamma,
                    c, seed, (s, done, total) -> {
                        if (!s.equals(stage[0])) {
                            stage[0] = s;
                            bar[0] = new ProgressBar(System.err, "svm train: " + s, s.equals("features") ? "images"
                                    : s.equals("gram matrix") ? "rows" : "steps");
                        }
                        bar[0].update(done, total);
                    });
            double seconds = (System.nanoTime() - t0) / 1e9;
            SvmFile.write(model, out);
            System.out.printf(Locale.ROOT, "trained %s-SVM on %d %s images (%d support vectors, %d words, %s"
                    + " assignment, p = %s) in %.1f s%n", model.svm().kernel().libsvmName(), part.size(), dataset,
                    model.svm().supportVectorCount(), words, assignment.label(), num(pooling), seconds);
            if (testSize > 0) {
                Dataset test = FashionMnist.load(dataset, TrainCommand.dataDir(dataset, data),
                        FashionMnist.Split.TEST).head(testSize);
                int[] pred = model.predict(test.images());
                int right = 0;
                for (int i = 0; i < pred.length; i++) {
                    right += pred[i] == test.labels()[i] ? 1 : 0;
                }
                System.out.printf(Locale.ROOT, "test accuracy %.4f (%d/%d)%n", right / (double) pred.length, right,
                        pred.length);
            }
            System.out.println("written to " + out.toAbsolutePath().normalize());
            return 0;
        }
    }

    /** {@code lrp4j svm explain}. */
    @Command(name = "explain", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Explain an SVM's decision layer by layer.",
                    "--model is an lrp4j pipeline (images in: --image, or --dataset with --index) or a LIBSVM model"
                            + " file (then --features X.npy [N, V] are the SVM's inputs).",
                    "--json prints one object per row: decision (f(x)), bias, relevance_sum (over the SVM's"
                            + " inputs), for Taylor (rbf) root_value and remainder; decision = relevance_sum + bias"
                            + " (linear, hik, chi2) or decision = relevance_sum + root_value + remainder (rbf)."})
    static final class Explain implements Callable<Integer> {

        @Option(names = "--model", required = true, paramLabel = "FILE", description = "pipeline file (lrp4j svm"
                + " train) or LIBSVM model file")
        Path model;

        @CommandLine.Mixin
        ImageInputOptions images;

        @Option(names = "--dataset", description = "fashion-mnist or mnist: explain test images (see --index)")
        String dataset;

        @Option(names = "--data", description = "folder with the dataset's IDX files")
        Path data;

        @Option(names = "--index", split = ",", defaultValue = "0", paramLabel = "I", description = "with --dataset:"
                + " test image indices, comma-separated (default: ${DEFAULT-VALUE})")
        int[] index;

        @Option(names = "--features", paramLabel = "X.npy", description = "SVM inputs [N, V] (or [V])")
        Path features;

        @Option(names = "--target", defaultValue = "pred", description = "pred or a class label (default:"
                + " ${DEFAULT-VALUE})")
        String target;

        @Option(names = "--bias-share", defaultValue = "none", description = "none (the bias reported apart) or"
                + " equal (b/V added to each of the V dimensions) (default: ${DEFAULT-VALUE})")
        String biasShare;

        @Option(names = "--epsilon", defaultValue = "1e-9", description = "stabilizer of the pooling layer's share"
                + " (default: ${DEFAULT-VALUE})")
        double epsilon;

        @Option(names = "--heatmap", paramLabel = "FILE.png", description = "pixel heatmap PNG (several images:"
                + " FILE-0.png, FILE-1.png, ...)")
        Path heatmap;

        @Option(names = "--overlay", description = "blend the heatmap over the grayscale image")
        boolean overlay;

        @Option(names = "--grid", description = "one --heatmap PNG for all images: the images in the first row,"
                + " their heatmaps below")
        boolean grid;

        @Option(names = "--out", paramLabel = "R.npy", description = "relevance as .npy: pixels [N, C, H, W] for"
                + " images, [N, V] for features")
        Path out;

        @Option(names = "--json", description = "one JSON object per row")
        boolean json;

        @Option(names = "--conservation", description = "print where relevance went, layer by layer")
        boolean conservation;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int sources = (images.given() ? 1 : 0) + (dataset != null ? 1 : 0) + (features != null ? 1 : 0);
            if (sources != 1) {
                throw bad(spec, "give the input as one of --image FILE..., --dataset fashion-mnist [--index I,...]"
                        + " or --features X.npy");
            }
            SvmExplanation.BiasShare share;
            try {
                share = SvmExplanation.BiasShare.parse(biasShare);
            } catch (IllegalArgumentException e) {
                throw bad(spec, e.getMessage());
            }
            if (!(epsilon >= 0)) {
                throw bad(spec, "--epsilon must be >= 0, not " + epsilon);
            }
            if (heatmap != null && features != null) {
                throw bad(spec, "--heatmap needs images (--image or --dataset); features have no pixels");
            }
            if (heatmap != null && !heatmap.toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
                throw bad(spec, "--heatmap must name a .png file, not " + heatmap);
            }
            for (Path f : new Path[] {heatmap, out}) {
                Path parent = f == null ? null : f.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    throw bad(spec, "the folder of " + f + " does not exist; create it first");
                }
            }
            SvmFile file = SvmFile.read(model);
            if (features != null) {
                SvmModel svm = file instanceof SvmFile.Pipeline p ? p.pipeline().svm() : ((SvmFile.Plain) file).model();
                return explainFeatures(svm, share);
            }
            if (!(file instanceof SvmFile.Pipeline p)) {
                throw bad(spec, model + " is a LIBSVM model: its inputs are feature vectors; give --features X.npy");
            }
            return explainImages(p.pipeline(), share);
        }

        private int explainFeatures(SvmModel svm, SvmExplanation.BiasShare share) throws IOException {
            NpyArray a = Npy.read(features);
            if (a.rank() != 1 && a.rank() != 2) {
                throw new IllegalArgumentException("--features must be [N, V] or [V], not "
                        + Arrays.toString(a.shape()));
            }
            double[] v = a.toDoubleArray();
            int width = a.shape()[a.rank() - 1];
            int n = a.rank() == 1 ? 1 : a.shape()[0];
            svm.checkWidth(width);
            double[][] x = new double[n][];
            for (int i = 0; i < n; i++) {
                x[i] = Arrays.copyOfRange(v, i * width, (i + 1) * width);
            }
            int[] columns = columns(svm, x);
            double[] rel = new double[n * width];
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                SvmExplanation e = SvmRelevance.explain(svm, x[i], columns[i], share);
                System.arraycopy(e.relevance(), 0, rel, i * width, width);
                rows.add(row(i, features.getFileName().toString(), svm, columns[i], svm.predict(x[i]), e, null));
            }
            if (out != null) {
                writeNpy(out, NpyArray.ofFloat64(new int[] {n, width}, rel));
            }
            rows.forEach(System.out::println);
            return 0;
        }

        private int explainImages(BowSvm pipeline, SvmExplanation.BiasShare share) throws Exception {
            BowConfig cfg = pipeline.config();
            Tensor x;
            Tensor display;
            List<String> names = new ArrayList<>();
            if (dataset != null) {
                Dataset test = FashionMnist.load(dataset, TrainCommand.dataDir(dataset, data), FashionMnist.Split.TEST);
                for (int i : index) {
                    if (i < 0 || i >= test.size()) {
                        throw new IllegalArgumentException("--index " + i + " is outside the test set (0.."
                                + (test.size() - 1) + ")");
                    }
                    names.add(dataset + "[" + i + "]");
                }
                x = test.images(index, 0, index.length);
                float[] d = x.toArray();
                for (int i = 0; i < d.length; i++) {
                    d[i] = d[i] * cfg.std() + cfg.mean();
                }
                display = Tensor.wrap(d, x.dim(0), x.dim(1), x.dim(2), x.dim(3));
            } else {
                ImageBatch b = loadImages(images, cfg);
                x = b.input();
                display = b.display();
                names.addAll(b.names());
            }
            int n = x.dim(0);
            double[][] bow = pipeline.bow(x, null);
            SvmModel svm = pipeline.svm();
            int[] columns = columns(svm, bow);
            List<BowExplanation> ex = pipeline.explain(x, columns, share, epsilon);
            int size = cfg.channels() * cfg.height() * cfg.width();
            float[] all = new float[n * size];
            List<String> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                BowExplanation e = ex.get(i);
                System.arraycopy(e.pixels(), 0, all, i * size, size);
                rows.add(row(i, names.get(i), svm, columns[i], svm.predict(bow[i]), e.svm(), e));
            }
            if (out != null) {
                writeNpy(out, NpyArray.ofFloat32(new int[] {n, cfg.channels(), cfg.height(), cfg.width()}, all));
            }
            if (heatmap != null && grid) {
                Heatmap.Style style = Heatmap.Style.defaults().withOverlay(overlay);
                List<Grid.Panel> top = new ArrayList<>();
                List<Grid.Panel> bottom = new ArrayList<>();
                boolean fashion = dataset == null || dataset.equalsIgnoreCase("fashion-mnist");
                for (int i = 0; i < n; i++) {
                    BowExplanation e = ex.get(i);
                    Tensor r = Tensor.wrap(e.pixels(), cfg.channels(), cfg.height(), cfg.width());
                    int pred = svm.predict(bow[i]);
                    top.add(new Grid.Panel(className(pred, fashion) + "\n" + names.get(i),
                            Heatmap.picture(display.select(i), 112)));
                    bottom.add(new Grid.Panel(String.format(Locale.ROOT, "R for %s\nf %.2f, b %.2f",
                            className(svm.columnLabel(columns[i]), fashion), e.svm().decision(), e.svm().bias()),
                            Heatmap.render(r, display.select(i), style.withMinSize(112))));
                }
                top.addAll(bottom);
                writeAtomically(heatmap, tmp -> Heatmap.writePng(Grid.layout(top, n), tmp));
            } else if (heatmap != null) {
                Heatmap.Style style = Heatmap.Style.defaults().withOverlay(overlay);
                for (int i = 0; i < n; i++) {
                    Tensor r = Tensor.wrap(ex.get(i).pixels(), cfg.channels(), cfg.height(), cfg.width());
                    Path f = n == 1 ? heatmap : numbered(heatmap, i);
                    Tensor shown = display.select(i);
                    writeAtomically(f, tmp -> Heatmap.writePng(Heatmap.render(r, shown, style), tmp));
                }
            }
            for (int i = 0; i < n; i++) {
                System.out.println(rows.get(i));
                if (conservation && !json) {
                    System.out.print(ex.get(i).conservation().format().replace("image 0:", "  layers:"));
                }
            }
            return 0;
        }

        private static String className(int label, boolean fashion) {
            return fashion && label >= 0 && label < FashionMnist.CLASS_NAMES.size()
                    ? FashionMnist.CLASS_NAMES.get(label) : "class " + label;
        }

        private static Path numbered(Path f, int i) {
            String name = f.getFileName().toString();
            int dot = name.lastIndexOf('.');
            return f.resolveSibling(name.substring(0, dot) + "-" + i + name.substring(dot));
        }

        /** The score column of each row's target: the predicted label's, or --target's. */
        private int[] columns(SvmModel svm, double[][] x) {
            int[] out = new int[x.length];
            Integer label = null;
            if (!target.equalsIgnoreCase("pred")) {
                try {
                    label = Integer.parseInt(target.trim());
                } catch (NumberFormatException e) {
                    throw bad(spec, "--target must be pred or a class label, not '" + target + "'");
                }
                if (svm.columnOf(label) < 0) {
                    int[] labels = svm.labels();
                    Arrays.sort(labels);
                    throw bad(spec, "--target " + label + " is not a class of the model; its labels are "
                            + Arrays.toString(labels));
                }
            }
            for (int i = 0; i < x.length; i++) {
                out[i] = svm.columnOf(label != null ? label : svm.predict(x[i]));
            }
            return out;
        }

        private String row(int i, String source, SvmModel svm, int column, int pred, SvmExplanation e,
                           BowExplanation b) {
            boolean taylor = e.method() == SvmExplanation.Method.TAYLOR;
            if (json) {
                StringBuilder sb = new StringBuilder("{");
                sb.append("\"row\":").append(i).append(",\"source\":\"").append(source.replace("\\", "\\\\")
                        .replace("\"", "\\\"")).append('"');
                sb.append(",\"target\":").append(svm.columnLabel(column)).append(",\"predicted\":").append(pred);
                sb.append(",\"kernel\":\"").append(svm.kernel().libsvmName()).append('"');
                sb.append(",\"method\":\"").append(taylor ? "taylor" : "decomposition").append('"');
                sb.append(",\"decision\":").append(e.decision()).append(",\"bias\":").append(e.bias());
                sb.append(",\"relevance_sum\":").append(e.relevanceSum());
                if (taylor) {
                    sb.append(",\"root_value\":").append(e.rootValue()).append(",\"remainder\":")
                            .append(e.remainder());
                }
                if (b != null) {
                    sb.append(",\"pooling_absorbed\":").append(b.pooledAway()).append(",\"pixel_sum\":")
                            .append(b.pixelSum());
                }
                return sb.append('}').toString();
            }
            String rest = taylor ? String.format(Locale.ROOT, "f(root) %.6g, remainder %.6g", e.rootValue(),
                    e.remainder()) : String.format(Locale.ROOT, "bias %.6g", e.bias());
            return String.format(Locale.ROOT, "%s: target %d (predicted %d), decision %.6g = relevance %.6g + %s%s",
                    source, svm.columnLabel(column), pred, e.decision(), e.relevanceSum(), rest,
                    b == null ? "" : String.format(Locale.ROOT, "; pixels %.6g", b.pixelSum()));
        }

        private static void writeNpy(Path f, NpyArray a) throws IOException {
            writeAtomically(f, tmp -> Npy.write(tmp, a));
        }
    }

    /** Writes a file. */
    @FunctionalInterface
    interface Writer {
        void write(Path file) throws IOException;
    }

    /** Writes {@code f} through a temporary file beside it, then moves it into place: never half-written. */
    static void writeAtomically(Path f, Writer w) throws IOException {
        Path tmp = f.toAbsolutePath().resolveSibling("." + f.getFileName() + ".tmp");
        try {
            w.write(tmp);
            Files.move(tmp, f.toAbsolutePath(), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Reads --image files for a pipeline: its size, and its normalisation unless --mean/--std are given. */
    static ImageBatch loadImages(ImageInputOptions images, BowConfig cfg) throws IOException {
        if (images.mean == null && images.std == null) {
            images.mean = new float[] {cfg.mean()};
            images.std = new float[] {cfg.std()};
        }
        return images.load(new int[] {cfg.channels(), cfg.height(), cfg.width()});
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    static CommandLine.ParameterException bad(CommandLine.Model.CommandSpec spec, String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
