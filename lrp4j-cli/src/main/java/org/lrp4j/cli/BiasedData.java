package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import org.lrp4j.data.Bias;
import org.lrp4j.data.Dataset;
import org.lrp4j.data.DatasetException;
import org.lrp4j.data.FashionMnist;

/** (Fashion-)MNIST with a planted bias ({@link Bias}), as train, evaluate, distill and tea-experiment read it. */
final class BiasedData {
    private BiasedData() {
    }

    /**
     * Images [from, from + count) of the split (to its end when count is null) with the bias planted; the tints and
     * patches drawn with a seed derived from {@code seed} and the split, so training and test images differ.
     */
    static Dataset load(String dataset, Path dir, Bias bias, FashionMnist.Split split, int from, Integer count,
                        long seed) throws DatasetException {
        return of(FashionMnist.load(dataset, dir, split), dataset, bias, split, from, count, seed);
    }

    /** As {@link #load}, from the grey images of the split already read. */
    static Dataset of(Dataset grey, String dataset, Bias bias, FashionMnist.Split split, int from, Integer count,
                      long seed) {
        int to = count == null ? grey.size() : Math.min(grey.size(), from + count);
        if (from >= to) {
            throw new IllegalArgumentException(grey.name() + " has " + grey.size() + " images; cannot take images from "
                    + from);
        }
        Dataset part = new Dataset(grey.name(), grey.images().slice(from, to),
                Arrays.copyOfRange(grey.labels(), from, to), grey.classNames());
        if (bias.kind() == Bias.Kind.NONE) {
            return part;
        }
        boolean mnist = dataset.toLowerCase(Locale.ROOT).equals("mnist");
        float mean = mnist ? FashionMnist.MNIST_MEAN : FashionMnist.MEAN;
        float std = mnist ? FashionMnist.MNIST_STD : FashionMnist.STD;
        return bias.apply(part, mean, std, seed * 31 + split.ordinal()).data();
    }
}
