package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
import org.lrp4j.train.Evaluation;
import org.lrp4j.train.Trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j evaluate}: test accuracy of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Print the test accuracy and loss of a model on Fashion-MNIST or MNIST.")
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "model file written by 'lrp4j train'")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist or mnist (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", description = "folder with the IDX files (default: /usr/share/datasets/fashion-mnist)")
    Path data;

    @Option(names = "--limit", description = "use only the first N test images")
    Integer limit;

    @Override
    public Integer call() throws Exception {
        Model m = ModelFile.load(model);
        Dataset test = FashionMnist.load(dataset, data != null ? data : FashionMnist.DEFAULT_DIR,
                FashionMnist.Split.TEST);
        if (limit != null) {
            test = test.head(limit);
        }
        Evaluation e = Trainer.evaluate(m, test, 500);
        System.out.printf("test accuracy %.2f%% (%d images, loss %.4f)%n", 100 * e.accuracy(), e.samples(), e.loss());
        return 0;
    }
}
