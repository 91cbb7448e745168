package org.lrp4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lrp4j.data.Dataset;
import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;

/** Trains the CNN on a Fashion-MNIST subset (needs the Debian package dataset-fashion-mnist; skipped without). */
class TrainerTest {

    private static Dataset train;
    private static Dataset test;

    @BeforeAll
    static void loadData() throws Exception {
        boolean present = java.nio.file.Files.exists(FashionMnist.DEFAULT_DIR.resolve("train-images-idx3-ubyte.gz"))
                || java.nio.file.Files.exists(FashionMnist.DEFAULT_DIR.resolve("train-images-idx3-ubyte"));
        if (!present) {
            System.err.println("NOTICE: TrainerTest skipped: Fashion-MNIST is not installed in "
                    + FashionMnist.DEFAULT_DIR + " (apt-get install dataset-fashion-mnist)");
        }
        Assumptions.assumeTrue(present, "Fashion-MNIST not installed in " + FashionMnist.DEFAULT_DIR);
        train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN).head(6000);
        test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST).head(2000);
    }

    @Test
    void lossFallsAndAccuracyBeatsChanceByAWideMargin() {
        Model model = Architectures.create("cnn", 1, 28, 10, 7);
        Evaluation before = Trainer.evaluate(model, test, 500);
        List<EpochResult> epochs = Trainer.fit(model, train, test, new Adam(model.parameters(), 2e-3f),
                new Trainer.Config(2, 64, 7), ProgressListener.NONE);
        Evaluation after = epochs.get(1).test();
        assertThat(before.accuracy()).isLessThan(0.3);
        assertThat(after.loss()).isLessThan(before.loss() * 0.5);
        assertThat(epochs.get(1).trainLoss()).isLessThan(epochs.get(0).trainLoss());
        assertThat(after.accuracy()).isGreaterThan(0.75);
    }

    @Test
    void trainingIsDeterministicForASeed() {
        Dataset small = train.head(640);
        double[] losses = new double[2];
        for (int run = 0; run < 2; run++) {
            Model model = Architectures.create("cnn", 1, 28, 10, 11);
            losses[run] = Trainer.fit(model, small, null, new Sgd(model.parameters(), 0.05f, 0.9f, 0f),
                    new Trainer.Config(1, 32, 11), ProgressListener.NONE).get(0).trainLoss();
        }
        assertThat(losses[0]).isEqualTo(losses[1]);
    }
}
