package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
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
import org.lrp4j.train.Distillation;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j distill}: trains a student on a teacher's heatmaps (TEA) or logits, on biased images, no labels. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Train a student without labels to imitate a teacher on biased (Fashion-)MNIST: on the"
                + " teacher's LRP-epsilon heatmaps (--method tea, training with explanations alone) or its logits"
                + " (--method logit). The student's last Gemm is a frozen copy of the teacher's; the checkpoint is"
                + " chosen on a validation split of the same biased distribution.",
                "Then: lrp4j evaluate --model STUDENT --bias colour --split ood"})
final class DistillCommand implements Callable<Integer> {

    @Option(names = "--teacher", required = true, description = "the teacher model (e.g. from 'lrp4j train --bias"
            + " colour:random')")
    Path teacher;

    @Option(names = "--bias", required = true, description = "colour or watermark: the student sees the biased"
            + " training distribution (each class its tint or patch)")
    String bias;

    @Option(names = "--method", defaultValue = "tea", description = "tea or logit (default: ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--arch", defaultValue = "cnn", description = "student architecture: cnn, small-cnn, mlp"
            + " (default: ${DEFAULT-VALUE})")
    String arch;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "fashion-mnist or mnist (default: ${DEFAULT-VALUE})")
    String dataset;

    @Option(names = "--data", description = "folder with the IDX files (default: /usr/share/datasets/fashion-mnist)")
    Path data;

    @Option(names = "--limit", description = "training images (default: all but the validation images)")
    Integer limit;

    @Option(names = "--validation", defaultValue = "2000", description = "validation images, taken after the"
            + " training images (default: ${DEFAULT-VALUE})")
    int validation;

    @Option(names = "--epochs", defaultValue = "3", description = "epochs (default: ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "32", description = "mini-batch size (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(names = "--lr", defaultValue = "0.02", description = "SGD learning rate (default: ${DEFAULT-VALUE})")
    float learningRate;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default: ${DEFAULT-VALUE})")
    float momentum;

    @Option(names = "--clip", defaultValue = "1", description = "largest L2 norm of the gradient (default: ${DEFAULT-VALUE})")
    float clip;

    @Option(names = "--eps-min", defaultValue = "0.01", description = "smallest LRP epsilon, drawn log-uniformly per"
            + " sample (default: ${DEFAULT-VALUE})")
    float epsMin;

    @Option(names = "--eps-max", defaultValue = "0.1", description = "largest LRP epsilon (0 with --eps-min 0:"
            + " gradient x input) (default: ${DEFAULT-VALUE})")
    float epsMax;

    @Option(names = "--student-biases", description = "give the student's Conv and Gemm layers biases (default: none;"
            + " heatmaps hardly constrain biases)")
    boolean studentBiases;

    @Option(names = "--seed", defaultValue = "1", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", description = "threads for the kernels (default: all cores)")
    Integer threads;

    @Option(names = "--out", required = true, description = "student model file to write (.onnx)")
    Path out;

    @Override
    public Integer call() throws Exception {
        Distillation.Method m = method(method);
        Bias b = Bias.parse(bias);
        if (b.kind() == Bias.Kind.NONE || b.split() != Bias.Split.IID) {
            throw new IllegalArgumentException("--bias must be colour or watermark (the biased training distribution),"
                    + " not " + bias);
        }
        if (limit != null && limit < 1 || validation < 1 || epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("--limit, --validation, --epochs and --batch-size must be at least 1");
        }
        if (threads != null && threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
        }
        Distillation.Config config = new Distillation.Config(epochs, batchSize, learningRate, momentum, clip, epsMin,
                epsMax, seed);
        Outputs.checkWritable(out, "--out");
        Model t = ModelLoader.load(teacher);
        Path dir = TrainCommand.dataDir(dataset, data);
        int n = limit == null ? 60000 - validation : limit;
        Dataset train = BiasedData.load(dataset, dir, b, FashionMnist.Split.TRAIN, 0, n, seed);
        Dataset val = BiasedData.load(dataset, dir, b, FashionMnist.Split.TRAIN, train.size(), validation, seed);
        Distillation.requireFits(t, "teacher", train);
        Model student = student(arch, t, train, seed, studentBiases);
        System.out.printf("distilling %s into a %s student (%s) on %s: %d images, validation %d, %d epochs, batch"
                        + " %d, lr %s%n", teacher.getFileName(), arch, m.name().toLowerCase(Locale.ROOT), train.name(),
                train.size(), val.size(), epochs, batchSize, learningRate);
        Progress progress = new Progress(System.out, System.console() != null);
        java.util.function.Supplier<Distillation.Result> run = () -> Distillation.fit(m, t, student, train, val,
                config, progress);
        Distillation.Result r = threads == null ? run.get() : Parallel.withThreads(threads, run);
        Map<String, String> meta = new LinkedHashMap<>();
        Map.Entry<String, String> names = OnnxModelInfo.classNamesEntry(train.classNames());
        meta.put(names.getKey(), names.getValue());
        meta.put("lrp4j.dataset", dataset.toLowerCase(Locale.ROOT));
        meta.put("lrp4j.bias", b.describe());
        meta.put("lrp4j.training", "distill method=" + m.name().toLowerCase(Locale.ROOT) + " teacher="
                + teacher.getFileName() + " epochs=" + epochs + " lr=" + learningRate + " seed=" + seed);
        ModelLoader.save(student, out, new ModelFile.Header(arch, b.channels(), train.images().dim(2),
                train.classNames().size()), meta);
        System.out.printf("kept epoch %d (validation loss %.4f); saved %s%n", r.bestEpoch(), r.bestValidationLoss(),
                out);
        return 0;
    }

    static Distillation.Method method(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "tea" -> Distillation.Method.TEA;
            case "logit" -> Distillation.Method.LOGIT;
            default -> throw new IllegalArgumentException("unknown --method '" + text + "'; choose tea or logit");
        };
    }

    /** A fresh student of {@code arch} for the data's images whose last Gemm is the teacher's, frozen. */
    static Model student(String arch, Model teacher, Dataset train, long seed, boolean biases) {
        Model s = Architectures.create(arch, train.images().dim(1), train.images().dim(2), train.classNames().size(),
                seed + 1000);
        Model headed = Distillation.withTeacherHead(s, teacher);
        return biases ? headed : Distillation.withoutBiases(headed);
    }
}
