package org.lrp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded mutations of real ONNX exports (byte flips, truncation, forged varint lengths, zeroed runs, forged floats
 * NaN/Inf/huge in the weights), each run through {@code lrp4j predict} as a user would: the command must end with
 * exit code 0 and finite numbers, or exit code 2 and one clear line; never an internal error, a hang (60 s), an
 * out-of-memory or non-finite output. The test runs {@code lrp4j.fuzz.cases} mutations per model (default 10); the
 * reliability figures of the README come from
 * {@code mvn -B -q -pl lrp4j-cli -am test -Dtest=ZooFuzzTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dlrp4j.fuzz.cases=334} (three models, 1,002 mutations). Skipped with a notice without the zoo.
 */
class ZooFuzzTest {

    static final String[] MODELS = {"resnet18", "mobilenet_v2", "squeezenet1_1"};

    @TempDir
    Path dir;

    enum Outcome { LOADED_FINITE, REFUSED, INTERNAL_ERROR, HANG, OUT_OF_MEMORY, NON_FINITE }

    static Path zoo() {
        String env = System.getenv("LRP4J_ZOO");
        if (env != null && Files.isDirectory(Path.of(env))) {
            return Path.of(env);
        }
        for (String c : new String[] {"../../shared/zoo", "../shared/zoo"}) {
            if (Files.isDirectory(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    /** One mutation of {@code model}, seeded. */
    static byte[] mutate(byte[] model, SplittableRandom r) {
        byte[] b = model.clone();
        int kind = r.nextInt(5);
        switch (kind) {
            case 0 -> { // byte flips
                int flips = 1 + r.nextInt(16);
                for (int i = 0; i < flips; i++) {
                    int at = r.nextInt(b.length);
                    b[at] ^= (byte) (1 + r.nextInt(255));
                }
            }
            case 1 -> { // truncation
                return java.util.Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 2 -> { // a forged varint length: 5 bytes of a huge value
                int at = r.nextInt(Math.max(1, b.length - 5));
                byte[] forged = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) (r.nextBoolean() ? 0x07 : 0x0f)};
                System.arraycopy(forged, 0, b, at, 5);
            }
            case 3 -> { // a zeroed run
                int len = 16 + r.nextInt(4096);
                int at = r.nextInt(Math.max(1, b.length - len));
                java.util.Arrays.fill(b, at, Math.min(b.length, at + len), (byte) 0);
            }
            default -> { // forged floats in the weights' bytes (the bulk of the file)
                int n = 1 + r.nextInt(8);
                int[] bits = {0x7fc00000, 0x7f800000, 0xff800000, 0x7f7fffff, 0x7f800001};
                for (int i = 0; i < n; i++) {
                    int at = (b.length / 8 + r.nextInt(b.length * 3 / 4)) & ~3;
                    int v = bits[r.nextInt(bits.length)];
                    b[at] = (byte) v;
                    b[at + 1] = (byte) (v >>> 8);
                    b[at + 2] = (byte) (v >>> 16);
                    b[at + 3] = (byte) (v >>> 24);
                }
            }
        }
        return b;
    }

    /** {@code lrp4j predict} in this JVM, outputs captured (the streams are per call, not System's). */
    static Outcome classify(Path model, Path input, ExecutorService pool) throws Exception {
        Future<TrainEvaluateCommandTest.Run> f = pool.submit(() -> TrainEvaluateCommandTest.run("predict", "--model", model.toString(),
                "--input", input.toString(), "--top", "1"));
        TrainEvaluateCommandTest.Run r;
        try {
            r = f.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return Outcome.HANG;
        }
        if (r.exit() == 3) {
            return Outcome.OUT_OF_MEMORY;
        }
        if (r.exit() == 2 && !r.err().contains("internal error") && r.err().lines().count() <= 2) {
            return Outcome.REFUSED;
        }
        if (r.exit() == 0) {
            return r.out().contains("NaN") || r.out().contains("Infinity") ? Outcome.NON_FINITE : Outcome.LOADED_FINITE;
        }
        return Outcome.INTERNAL_ERROR;
    }

    @Test
    void mutatedZooModelsEndInACleanRefusalOrFiniteNumbers() throws Exception {
        Path zoo = zoo();
        if (zoo == null) {
            System.err.println("NOTICE: zoo fuzz test skipped: no model zoo ($LRP4J_ZOO or ../shared/zoo)");
        }
        Assumptions.assumeTrue(zoo != null);
        int cases = Integer.getInteger("lrp4j.fuzz.cases", 10);
        Map<Outcome, Integer> counts = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor(t -> {
            Thread th = new Thread(t, "fuzz");
            th.setDaemon(true);
            return th;
        });
        try {
            for (String name : MODELS) {
                Path d = zoo.resolve(name);
                byte[] model = Files.readAllBytes(d.resolve("model.onnx"));
                Path input = dir.resolve(name + "-input.npy");
                // one image, so that each case is one forward pass
                org.lrp4j.io.Npy.write(input, org.lrp4j.io.Npy.readTensor(d.resolve("input.npy")).slice(0, 1).copy());
                SplittableRandom r = new SplittableRandom(name.hashCode());
                for (int c = 0; c < cases; c++) {
                    Path mutated = dir.resolve(name + ".onnx");
                    Files.write(mutated, mutate(model, r));
                    Outcome o = classify(mutated, input, pool);
                    counts.merge(o, 1, Integer::sum);
                    if (o != Outcome.LOADED_FINITE && o != Outcome.REFUSED) {
                        failures.add(name + " case " + c + ": " + o);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.err.println("zoo fuzz: " + (cases * MODELS.length) + " mutations: " + counts);
        assertThat(failures).isEmpty();
    }
}
