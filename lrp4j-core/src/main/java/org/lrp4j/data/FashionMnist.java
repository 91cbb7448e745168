package org.lrp4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import org.lrp4j.tensor.Tensor;

/**
 * Fashion-MNIST and MNIST from their IDX files (plain or .gz). Pixels are scaled to [0, 1] and normalised with
 * the data set's mean and standard deviation (Fashion-MNIST: 0.2860, 0.3530; MNIST: 0.1307, 0.3081).
 * On Debian, {@code apt-get install dataset-fashion-mnist} puts Fashion-MNIST in {@link #DEFAULT_DIR}.
 */
public final class FashionMnist {
    private FashionMnist() {
    }

    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    public static final float MEAN = 0.2860f;
    public static final float STD = 0.3530f;
    public static final float MNIST_MEAN = 0.1307f;
    public static final float MNIST_STD = 0.3081f;

    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Training (60,000) or test (10,000) split. */
    public enum Split {
        TRAIN("train"), TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    /** Loads Fashion-MNIST from {@code dir}. */
    public static Dataset load(Path dir, Split split) throws DatasetException {
        return load("fashion-mnist", dir, split, MEAN, STD, CLASS_NAMES);
    }

    /** Loads "fashion-mnist" or "mnist" (same file layout) from {@code dir}. */
    public static Dataset load(String dataset, Path dir, Split split) throws DatasetException {
        return switch (dataset.toLowerCase(Locale.ROOT)) {
            case "fashion-mnist" -> load(dir, split);
            case "mnist" -> load("mnist", dir, split, MNIST_MEAN, MNIST_STD, DIGITS);
            default -> throw new DatasetException("unknown dataset '" + dataset + "'; choose fashion-mnist or mnist");
        };
    }

    private static Dataset load(String name, Path dir, Split split, float mean, float std, List<String> classes)
            throws DatasetException {
        Path images = find(name, dir, split.prefix + "-images-idx3-ubyte");
        Path labels = find(name, dir, split.prefix + "-labels-idx1-ubyte");
        Idx.UByteArray x = Idx.read(images);
        Idx.UByteArray y = Idx.read(labels);
        if (x.dims().length != 3) {
            throw new DatasetException(images + ": expected images [N, H, W] but the file has "
                    + x.dims().length + " dimensions");
        }
        if (y.dims().length != 1 || y.count() != x.count()) {
            throw new DatasetException(labels + ": expected " + x.count() + " labels (one per image in " + images
                    + ") but the file has dimensions " + java.util.Arrays.toString(y.dims()));
        }
        int n = x.count();
        int h = x.dims()[1];
        int w = x.dims()[2];
        float[] data = new float[n * h * w];
        for (int i = 0; i < data.length; i++) {
            data[i] = (x.get(i) / 255f - mean) / std;
        }
        int[] lab = new int[n];
        for (int i = 0; i < n; i++) {
            lab[i] = y.get(i);
            if (lab[i] >= classes.size()) {
                throw new DatasetException(labels + ": label " + lab[i] + " of sample " + i + " is not a class index"
                        + " in [0, " + classes.size() + ")");
            }
        }
        return new Dataset(name + "-" + split.name().toLowerCase(Locale.ROOT), Tensor.wrap(data, n, 1, h, w), lab,
                classes);
    }

    private static Path find(String name, Path dir, String base) throws DatasetException {
        for (String candidate : new String[] {base + ".gz", base}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        String hint = name.equals("fashion-mnist")
                ? " Install it with 'apt-get install dataset-fashion-mnist' (files go to " + DEFAULT_DIR
                + ") or pass the folder that holds the IDX files."
                : " Pass the folder that holds the MNIST IDX files.";
        throw new DatasetException(name + " not found: expected " + dir.resolve(base + ".gz") + " (or "
                + dir.resolve(base) + ")." + hint);
    }
}
