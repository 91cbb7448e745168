import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import org.lrp4j.autodiff.Variable;
import org.lrp4j.explain.GradientExplainer;
import org.lrp4j.explain.Targets;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.layers.ForwardContext;
import org.lrp4j.tensor.Tensor;

/**
 * The input gradient of one logit on a built-in architecture, by three paths, timed alternately call by call in
 * one JVM (wall clock, all threads) next to the forward pass:
 * <ul>
 *   <li>autodiff-all: {@code Variable.backward} from the logit with the model's weights as parameters: every
 *       weight's gradient is computed too (what {@code lrp4j bench --method gradient} timed before 2026-12-05);</li>
 *   <li>autodiff-input: {@code Variable.gradients(seed, List.of(input))}: only the input's gradient;</li>
 *   <li>explainer: {@code GradientExplainer}, what {@code lrp4j explain --method gradient} runs (the LRP engine
 *       with the gradient rule, no graph recorded).</li>
 * </ul>
 * Usage: {@code java --add-modules jdk.incubator.vector -XX:+UseParallelGC -cp lrp4j-cli/target/lrp4j.jar
 * lrp4j-bench/scripts/GradientPaths.java vgg16 1 9}
 */
public class GradientPaths {
    public static void main(String[] a) {
        String name = a[0];
        int batch = Integer.parseInt(a[1]);
        int reps = Integer.parseInt(a[2]);
        boolean small = name.equals("small-cnn") || name.equals("cnn");
        int c = small ? 1 : 3;
        int s = small ? 28 : 224;
        Model m = Architectures.create(name, c, s, small ? 10 : 1000, 1);
        Tensor x = Tensor.randn(new SplittableRandom(1), 1f, batch, c, s, s);
        GradientExplainer explainer = new GradientExplainer(m);
        String[] names = {"forward", "autodiff-all", "autodiff-input", "explainer"};
        List<Supplier<Object>> calls = List.of(
                () -> m.predict(x),
                () -> {
                    Variable in = Variable.parameter(x);
                    Variable out = m.forward(in, ForwardContext.inference());
                    out.backward(seed(out));
                    Tensor g = in.grad();
                    for (Variable p : m.parameters()) {
                        p.zeroGrad();
                    }
                    return g;
                },
                () -> {
                    Variable in = Variable.parameter(x);
                    Variable out = m.forward(in, ForwardContext.inference());
                    return out.gradients(seed(out), List.of(in)).get(0);
                },
                () -> explainer.explain(x, Targets.predicted()).attribution());
        for (int w = 0; w < 2; w++) {
            calls.forEach(Supplier::get);
        }
        double[][] t = new double[calls.size()][reps];
        for (int r = 0; r < reps; r++) {
            for (int j = 0; j < calls.size(); j++) {
                int k = (r % 2 == 0) ? j : calls.size() - 1 - j;
                long t0 = System.nanoTime();
                calls.get(k).get();
                t[k][r] = (System.nanoTime() - t0) / 1e9;
            }
        }
        double f = median(t[0]);
        for (int j = 0; j < calls.size(); j++) {
            System.out.printf("%s b%d %-15s median %.4f s  min %.4f s  %.2f x forward%n", name, batch, names[j],
                    median(t[j]), Arrays.stream(t[j]).min().getAsDouble(), median(t[j]) / f);
        }
    }

    /** 1 at class 0 of every row. */
    static Tensor seed(Variable out) {
        int k = out.shape().dim(1);
        float[] v = new float[out.shape().size()];
        for (int i = 0; i < out.shape().dim(0); i++) {
            v[i * k] = 1f;
        }
        return Tensor.wrap(v, out.shape());
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
