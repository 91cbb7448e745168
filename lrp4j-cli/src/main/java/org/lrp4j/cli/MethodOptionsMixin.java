package org.lrp4j.cli;

import java.nio.file.Path;

import org.lrp4j.explain.MethodOptions;
import org.lrp4j.explain.Taylor;
import org.lrp4j.tensor.Tensor;

import picocli.CommandLine.Option;

/**
 * The options of the explanation methods other than LRP's rules (integrated gradients, smoothgrad, occlusion,
 * grad-cam, taylor), shared by {@code lrp4j explain} and {@code lrp4j bench} so that both build the same explainer.
 */
final class MethodOptionsMixin {

    @Option(names = "--steps", defaultValue = "32",
            description = "integrated-gradients: points of the right Riemann sum (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--baseline", paramLabel = "FILE.npy",
            description = "integrated-gradients baseline / taylor reference, [N, ...] or one sample (default: zeros)")
    Path baseline;

    @Option(names = "--samples", defaultValue = "25",
            description = "smoothgrad: number of noisy samples (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--noise", defaultValue = "0.15",
            description = "smoothgrad: noise sigma as a fraction of each image's range max-min (default:"
                    + " ${DEFAULT-VALUE})")
    float noise;

    @Option(names = "--noise-seed", defaultValue = "0", description = "smoothgrad: seed of the noise (default:"
            + " ${DEFAULT-VALUE})")
    long noiseSeed;

    @Option(names = "--over", defaultValue = "gradient", paramLabel = "METHOD",
            description = "smoothgrad: the method whose explanations are averaged (default: ${DEFAULT-VALUE})")
    String over;

    @Option(names = "--window", defaultValue = "4", description = "occlusion: window side in pixels (default:"
            + " ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--stride", defaultValue = "2", description = "occlusion: window stride (default: ${DEFAULT-VALUE})")
    int stride;

    @Option(names = "--fill", defaultValue = "0", description = "occlusion: value of occluded pixels (default:"
            + " ${DEFAULT-VALUE})")
    float fill;

    @Option(names = "--node", description = "grad-cam / guided-grad-cam: node whose output is used (default: the"
            + " last Conv node)")
    String node;

    @Option(names = "--no-relu", description = "grad-cam / guided-grad-cam: keep negative values of the map (the"
            + " paper's ReLU is on by default)")
    boolean noRelu;

    @Option(names = "--score", defaultValue = "logit", description = "taylor: decompose the logit or the margin to"
            + " the best other class (default: ${DEFAULT-VALUE})")
    String score;

    @Option(names = "--patterns", paramLabel = "P.npz", description = "patternnet / patternattribution: the"
            + " model's patterns, written by 'lrp4j patterns fit'")
    Path patterns;

    /**
     * The options as {@link MethodOptions} for model {@code m} (whose patterns --patterns must hold), with the input
     * bounds for epsilon-gamma-box and deep-taylor.
     */
    MethodOptions toOptions(org.lrp4j.graph.Model m, Tensor low, Tensor high) throws java.io.IOException {
        Tensor b = baseline == null ? null : InputFiles.readModelInput(baseline, "--baseline");
        MethodOptions o = MethodOptions.defaults().steps(steps).samples(samples).noise(noise).noiseSeed(noiseSeed)
                .over(over).window(window).stride(stride).fill(fill).node(node).relu(!noRelu).baseline(b)
                .score(Taylor.Score.parse(score))
                .bounds(low, high);
        return patterns == null ? o : o.patterns(org.lrp4j.patterns.Patterns.load(patterns, m));
    }
}
