import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * In-process A/B of the LRP call in two builds: both jars loaded in one JVM (a class loader each), the same model,
 * input and composite, one thread per call, alternated call by call (the order swapped every round); thread CPU
 * time per call, which other processes on the machine disturb far less than wall-clock time, and the bytes the LRP
 * call allocated (the same work allocates the same results). Prints, per jar, the median and minimum CPU seconds
 * of the LRP call, the median of the forward pass timed alternately with it, their ratio, and the allocation.
 *
 * <p>Usage, with two jars built from two commits ({@code ./lrp4j info} builds lrp4j-cli/target/lrp4j.jar):
 * <pre>
 * java --add-modules jdk.incubator.vector -XX:+UseParallelGC -Xmx8g lrp4j-bench/scripts/JarAB.java \
 *     small-cnn 256 epsilon-gamma-box 15 before.jar after.jar
 * </pre>
 * Models: small-cnn (28x28, one channel) or an ImageNet architecture such as vgg16 (224x224); composites as for
 * {@code lrp4j bench --method lrp:COMPOSITE}, or {@code gradient} (the gradient explainer). An A/A run (one jar twice) shows the harness's own spread.
 */
public class JarAB {
    static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    static volatile long ALLOC;
    static long[] alloc = new long[2];

    public static void main(String[] a) throws Exception {
        String model = a[0];
        int batch = Integer.parseInt(a[1]);
        String composite = a[2];
        int rounds = Integer.parseInt(a[3]);
        Supplier<?>[][] calls = new Supplier<?>[2][];
        for (int j = 0; j < 2; j++) {
            URLClassLoader cl = new URLClassLoader(new URL[] {Path.of(a[4 + j]).toUri().toURL()}, JarAB.class.getClassLoader().getParent());
            calls[j] = setup(cl, model, batch, composite);
        }
        int n = rounds;
        double[][] lrp = new double[2][n];
        double[][] fwd = new double[2][n];
        for (int w = 0; w < 3; w++) {
            for (int j = 0; j < 2; j++) { calls[j][0].get(); calls[j][1].get(); }
        }
        for (int i = 0; i < n; i++) {
            for (int jj = 0; jj < 2; jj++) {
                int j = (i % 2 == 0) ? jj : 1 - jj;
                lrp[j][i] = cpu(calls[j][0]);
                alloc[j] = ALLOC;
                fwd[j][i] = cpu(calls[j][1]);
            }
        }
        for (int j = 0; j < 2; j++) {
            double l = median(lrp[j]), f = median(fwd[j]);
            System.out.printf("%s %s b%d %s: lrp cpu median %.4f s (min %.4f), forward %.4f s, ratio %.3f, alloc %.1f MB%n",
                    Path.of(a[4 + j]).getFileName(), model, batch, composite, l, Arrays.stream(lrp[j]).min().getAsDouble(), f, l / f, alloc[j] / 1048576.0);
        }
    }

    static double cpu(Supplier<?> s) {
        return (Double) s.get();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    @SuppressWarnings("unchecked")
    static Supplier<?>[] setup(ClassLoader cl, String model, int batch, String composite) throws Exception {
        Class<?> arch = cl.loadClass("org.lrp4j.graph.Architectures");
        boolean small = model.equals("small-cnn");
        int c = small ? 1 : 3, s = small ? 28 : 224;
        Object m = arch.getMethod("create", String.class, int.class, int.class, int.class, long.class)
                .invoke(null, model, c, s, small ? 10 : 1000, 1L);
        Class<?> tensor = cl.loadClass("org.lrp4j.tensor.Tensor");
        Object x = tensor.getMethod("randn", java.util.random.RandomGenerator.class, float.class, int[].class)
                .invoke(null, new java.util.SplittableRandom(1), 1f, new int[] {batch, c, s, s});
        Object lo, hi;
        Method scalar = tensor.getMethod("scalar", float.class);
        Method wrap = tensor.getMethod("wrap", float[].class, int[].class);
        if (c == 3) {
            float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f}, l = new float[3], h = new float[3];
            for (int k = 0; k < 3; k++) { l[k] = -mean[k] / std[k]; h[k] = (1 - mean[k]) / std[k]; }
            lo = wrap.invoke(null, l, new int[] {3, 1, 1});
            hi = wrap.invoke(null, h, new int[] {3, 1, 1});
        } else {
            lo = scalar.invoke(null, -0.2860f / 0.3530f);
            hi = scalar.invoke(null, (1 - 0.2860f) / 0.3530f);
        }
        Class<?> model0 = cl.loadClass("org.lrp4j.graph.Model");
        Object explainer;
        if (composite.equals("gradient")) {
            explainer = cl.loadClass("org.lrp4j.explain.GradientExplainer").getConstructor(model0).newInstance(m);
        } else {
            Class<?> comps = cl.loadClass("org.lrp4j.lrp.composites.Composites");
            Object comp = comps.getMethod("byName", String.class, tensor, tensor).invoke(null, composite, lo, hi);
            Class<?> lrpE = cl.loadClass("org.lrp4j.explain.LrpExplainer");
            Object builder = lrpE.getMethod("builder", model0, cl.loadClass("org.lrp4j.lrp.composites.Composite")).invoke(null, m, comp);
            explainer = builder.getClass().getMethod("build").invoke(builder);
        }
        Class<?> targets = cl.loadClass("org.lrp4j.explain.Targets");
        Object predicted = targets.getMethod("predicted").invoke(null);
        Method explain = explainer.getClass().getMethod("explain", tensor, targets);
        Class<?> gm = cl.loadClass("org.lrp4j.autodiff.GradMode");
        Method disabled = gm.getMethod("disabled");
        Method predict = model0.getMethod("predict", tensor);
        Class<?> par = cl.loadClass("org.lrp4j.tensor.kernel.Parallel");
        Method withThreads = par.getMethod("withThreads", int.class, Supplier.class);
        Supplier<?> lrpCall = () -> invoke(withThreads, null, 1, (Supplier<Object>) () -> {
            long t0 = MX.getCurrentThreadCpuTime();
            long b0 = ((com.sun.management.ThreadMXBean) MX).getCurrentThreadAllocatedBytes();
            try (AutoCloseable sc = (AutoCloseable) disabled.invoke(null)) {
                explain.invoke(explainer, x, predicted);
            } catch (Exception e) { throw new RuntimeException(e); }
            ALLOC = ((com.sun.management.ThreadMXBean) MX).getCurrentThreadAllocatedBytes() - b0;
            return (MX.getCurrentThreadCpuTime() - t0) / 1e9;
        });
        Supplier<?> fwdCall = () -> invoke(withThreads, null, 1, (Supplier<Object>) () -> {
            long t0 = MX.getCurrentThreadCpuTime();
            invoke(predict, m, x);
            return (MX.getCurrentThreadCpuTime() - t0) / 1e9;
        });
        return new Supplier<?>[] {lrpCall, fwdCall};
    }

    static Object invoke(Method m, Object t, Object... args) {
        try { return m.invoke(t, args); } catch (Exception e) { throw new RuntimeException(e); }
    }
}
