package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.lrp4j.data.Bias;
import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
import org.lrp4j.onnx.OnnxModelInfo;
import org.lrp4j.tensor.kernel.Parallel;
import org.lrp4j.train.Adam;
import org.lrp4j.train.EpochResult;
import org.lrp4j.train.Optimizer;
import org.lrp4j.train.Sgd;
import org.lrp4j.train.Trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j train}: trains a built-in architecture on (Fashion-)MNIST and saves it. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a built-in architecture on Fashion-MNIST or MNIST and save the model.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist or mnist (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", description = "folder with the IDX files (default: " + "/usr/share/datasets/fashion-mnist)")
    Path data;

    @Option(names = "--bias", defaultValue = "none", description = "plant a bias in the training images: none,"
            + " colour (each class its tint), colour:random (random tints), watermark (each class its corner patch),"
            + " watermark:none (no patch) (default: ${DEFAULT-VALUE})")
    String bias;

    @Option(names = "--arch", defaultValue = "cnn", description = "architecture: cnn, small-cnn, lrn-cnn (seed 001: LRN after each convolution), mlp (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--epochs", defaultValue = "5", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.001", description = "learning rate (default: ${DEFAULT-VALUE})")
    float learningRate;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    float momentum;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default: ${DEFAULT-VALUE})")
    float weightDecay;

    @Option(names = "--seed", defaultValue = "1", description = "seed of initialisation and shuffling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--limit", description = "use only the first N training images (quick runs)")
    Integer limit;

    @Option(names = "--threads", description = "threads for the kernels (default: all cores)")
    Integer threads;

    @Option(names = "--out", required = true,
            description = "model file to write: ONNX (e.g. model.onnx), or lrp4j's legacy format if the name ends"
                    + " with .lrp4j")
    Path out;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        Bias b = Bias.parse(bias);
        Path dir = dataDir(dataset, data);
        Dataset train = BiasedData.load(dataset, dir, b, FashionMnist.Split.TRAIN, 0, limit, seed);
        Dataset test = BiasedData.load(dataset, dir, b, FashionMnist.Split.TEST, 0, null, seed);
        int size = train.images().dim(2);
        int channels = b.channels();
        Model model = Architectures.create(arch, channels, size, train.classNames().size(), seed);
        Optimizer opt = switch (optimizer) {
            case "adam" -> new Adam(model.parameters(), learningRate, 0.9f, 0.999f, 1e-8f, weightDecay);
            case "sgd" -> new Sgd(model.parameters(), learningRate, momentum, weightDecay);
            default -> throw new IllegalArgumentException("unknown optimizer '" + optimizer + "'; choose adam or sgd");
        };
        System.out.printf("training %s on %s%s: %d images, %d epochs, batch %d, %s lr %s, seed %d, %d parameters%n",
                arch, dataset, b.kind() == Bias.Kind.NONE ? "" : " (bias " + b.describe() + ")", train.size(), epochs, batchSize, optimizer, learningRate, seed, model.parameterCount());
        Dataset trainSet = train;
        Progress progress = new Progress(System.out, System.console() != null);
        Trainer.Config config = new Trainer.Config(epochs, batchSize, seed);
        List<EpochResult> results = threads == null
                ? Trainer.fit(model, trainSet, test, opt, config, progress)
                : Parallel.withThreads(threads, () -> Trainer.fit(model, trainSet, test, opt, config, progress));
        ModelLoader.save(model, out, new ModelFile.Header(arch, channels, size, train.classNames().size()),
                metadata(train));
        EpochResult last = results.get(results.size() - 1);
        System.out.printf("test accuracy %.2f%% (loss %.4f); saved %s%n", 100 * last.test().accuracy(),
                last.test().loss(), out);
        return 0;
    }

    /**
     * The folder of the IDX files: --data, else the Debian Fashion-MNIST folder. MNIST has no default folder: its
     * files have the same names as Fashion-MNIST's, so reading the default folder for --dataset mnist used to train
     * and evaluate on Fashion-MNIST images under digit labels and MNIST normalisation, without a word.
     */
    static Path dataDir(String dataset, Path data) {
        if (data != null) {
            return data;
        }
        if (dataset.equalsIgnoreCase("mnist")) {
            throw new IllegalArgumentException("--dataset mnist needs --data DIR, the folder with MNIST's IDX files"
                    + " (the default folder " + FashionMnist.DEFAULT_DIR + " holds Fashion-MNIST)");
        }
        return FashionMnist.DEFAULT_DIR;
    }

    /** Rejects option values that cannot train, before the data set is read. */
    private void checkOptions() {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be at least 1, not " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, not " + batchSize);
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1 (the number of training images to use), not "
                    + limit);
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("--lr must be a positive number, not " + learningRate);
        }
    }

    /** What the ONNX file records besides the graph: class names, dataset, architecture, input normalisation. */
    private Map<String, String> metadata(Dataset train) {
        Map<String, String> meta = new LinkedHashMap<>();
        Map.Entry<String, String> names = OnnxModelInfo.classNamesEntry(train.classNames());
        meta.put(names.getKey(), names.getValue());
        boolean mnist = dataset.equalsIgnoreCase("mnist");
        float mean = mnist ? FashionMnist.MNIST_MEAN : FashionMnist.MEAN;
        float std = mnist ? FashionMnist.MNIST_STD : FashionMnist.STD;
        meta.put("lrp4j.dataset", dataset.toLowerCase(java.util.Locale.ROOT));
        meta.put("lrp4j.bias", bias.toLowerCase(java.util.Locale.ROOT));
        meta.put("lrp4j.architecture", arch.toLowerCase(java.util.Locale.ROOT));
        meta.put("lrp4j.input_normalization", String.format(java.util.Locale.ROOT, "(pixel / 255 - %s) / %s", mean,
                std));
        meta.put("lrp4j.training", String.format(java.util.Locale.ROOT,
                "epochs=%d batch_size=%d optimizer=%s lr=%s seed=%d", epochs, batchSize, optimizer, learningRate,
                seed) + (limit != null ? " limit=" + train.size() : ""));
        return meta;
    }
}
