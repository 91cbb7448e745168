package org.lrp4j.cli;

import java.io.IOException;
import java.nio.file.Path;

import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;

import picocli.CommandLine.Option;

/**
 * The first N test images of (Fashion-)MNIST as a command's input; add with {@code @Mixin TestImagesOptions}.
 * {@link #check} belongs before any work, {@link #load} reads the images.
 */
final class TestImagesOptions {

    @Option(names = "--dataset", description = "fashion-mnist or mnist: the first --images test images")
    String dataset;

    @Option(names = "--data", description = "folder with the dataset's IDX files (default:"
            + " /usr/share/datasets/fashion-mnist)")
    Path data;

    @Option(names = "--images", defaultValue = "1000", description = "with --dataset: how many test images (default:"
            + " ${DEFAULT-VALUE})")
    int count;

    boolean given() {
        return dataset != null;
    }

    /** The problem with these options, or null: --images without --dataset, or fewer than one image. */
    String check(picocli.CommandLine.Model.CommandSpec spec) {
        if (dataset == null && spec.commandLine().getParseResult().hasMatchedOption("--images")) {
            return "--images applies to --dataset only";
        }
        if (count < 1) {
            return "--images must be at least 1, not " + count;
        }
        return null;
    }

    /** The first --images test images (all when fewer). */
    Dataset load() throws IOException, org.lrp4j.data.DatasetException {
        Dataset d = FashionMnist.load(dataset, TrainCommand.dataDir(dataset, data), FashionMnist.Split.TEST);
        return d.head(Math.min(count, d.size()));
    }

    /** The normalised values of a black and a white pixel: the data range of these images. */
    float[] range() {
        boolean mnist = dataset.equalsIgnoreCase("mnist");
        float mean = mnist ? FashionMnist.MNIST_MEAN : FashionMnist.MEAN;
        float std = mnist ? FashionMnist.MNIST_STD : FashionMnist.STD;
        return new float[] {-mean / std, (1 - mean) / std};
    }
}
