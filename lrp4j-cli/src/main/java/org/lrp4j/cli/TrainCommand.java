package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
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

    @Option(names = "--arch", defaultValue = "cnn", description = "architecture: cnn, small-cnn, mlp (default: ${DEFAULT-VALUE})")
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

    @Option(names = "--out", required = true, description = "model file to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        Path dir = data != null ? data : FashionMnist.DEFAULT_DIR;
        Dataset train = FashionMnist.load(dataset, dir, FashionMnist.Split.TRAIN);
        Dataset test = FashionMnist.load(dataset, dir, FashionMnist.Split.TEST);
        if (limit != null) {
            train = train.head(limit);
        }
        int size = train.images().dim(2);
        Model model = Architectures.create(arch, 1, size, train.classNames().size(), seed);
        Optimizer opt = switch (optimizer) {
            case "adam" -> new Adam(model.parameters(), learningRate, 0.9f, 0.999f, 1e-8f, weightDecay);
            case "sgd" -> new Sgd(model.parameters(), learningRate, momentum, weightDecay);
            default -> throw new IllegalArgumentException("unknown optimizer '" + optimizer + "'; choose adam or sgd");
        };
        System.out.printf("training %s on %s: %d images, %d epochs, batch %d, %s lr %s, seed %d, %d parameters%n",
                arch, dataset, train.size(), epochs, batchSize, optimizer, learningRate, seed, model.parameterCount());
        Dataset trainSet = train;
        Progress progress = new Progress(System.out, System.console() != null);
        Trainer.Config config = new Trainer.Config(epochs, batchSize, seed);
        List<EpochResult> results = threads == null
                ? Trainer.fit(model, trainSet, test, opt, config, progress)
                : Parallel.withThreads(threads, () -> Trainer.fit(model, trainSet, test, opt, config, progress));
        ModelFile.save(model, new ModelFile.Header(arch, 1, size, train.classNames().size()), out);
        EpochResult last = results.get(results.size() - 1);
        System.out.printf("test accuracy %.2f%% (loss %.4f); saved %s%n", 100 * last.test().accuracy(),
                last.test().loss(), out);
        return 0;
    }
}
