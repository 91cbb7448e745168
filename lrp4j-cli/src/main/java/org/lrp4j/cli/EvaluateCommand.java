package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.lrp4j.data.Bias;
import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Shape;
import org.lrp4j.train.Evaluation;
import org.lrp4j.train.Trainer;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j evaluate}: test accuracy of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Print the test accuracy and loss of a model on Fashion-MNIST or MNIST.")
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true,
            description = "model file: ONNX (input [N, 1, 28, 28]) or written by 'lrp4j train'")
    Path model;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist or mnist (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", description = "folder with the IDX files (default: /usr/share/datasets/fashion-mnist)")
    Path data;

    @Option(names = "--bias", defaultValue = "none", description = "the bias planted in the test images: none,"
            + " colour or watermark (default: ${DEFAULT-VALUE})")
    String bias;

    @Option(names = "--split", description = "with --bias: iid (the biased training distribution), ood (random tints,"
            + " no watermark) or shift (another class's tint or patch) (default: iid)")
    String split;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the tints and patches (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--limit", description = "use only the first N test images")
    Integer limit;

    @Override
    public Integer call() throws Exception {
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be at least 1 (the number of test images to use), not "
                    + limit);
        }
        Bias b = Bias.parse(bias);
        if (split != null) {
            if (b.kind() == Bias.Kind.NONE) {
                throw new IllegalArgumentException("--split needs --bias colour or --bias watermark");
            }
            b = b.in(Bias.Split.parse(split));
        }
        java.nio.file.Path dir = TrainCommand.dataDir(dataset, data);
        Model m = ModelLoader.load(model);
        Dataset test = BiasedData.load(dataset, dir, b, FashionMnist.Split.TEST, 0, limit, seed);
        checkInput(m, test);
        Evaluation e = Trainer.evaluate(m, test, 500);
        System.out.printf("test accuracy %.2f%% (%d images%s, loss %.4f)%n", 100 * e.accuracy(), e.samples(),
                b.kind() == Bias.Kind.NONE ? "" : ", bias " + b.describe(), e.loss());
        return 0;
    }

    /** The model must take one input of the dataset's sample shape (from the ONNX graph input) and give logits. */
    static void checkInput(Model m, Dataset test) {
        if (m.inputs().size() != 1 || m.outputs().size() != 1) {
            throw new IllegalArgumentException("model '" + m.name() + "' has " + m.inputs().size() + " inputs and "
                    + m.outputs().size() + " outputs; evaluate needs one image input and one output of class scores");
        }
        Shape want = test.images().shape();
        Shape s = m.inputs().get(0).sampleShape();
        boolean ok = s == null || s.rank() == want.rank() - 1;
        for (int i = 0; ok && s != null && i < s.rank(); i++) {
            ok = s.dim(i) < 0 || s.dim(i) == want.dim(i + 1);
        }
        if (!ok) {
            throw new IllegalArgumentException("model input '" + m.inputs().get(0).name() + "' takes [N, "
                    + s.toString().substring(1) + " but " + test.name() + " images are [N, "
                    + Shape.of(java.util.Arrays.copyOfRange(want.toArray(), 1, want.rank())).toString().substring(1));
        }
    }
}
