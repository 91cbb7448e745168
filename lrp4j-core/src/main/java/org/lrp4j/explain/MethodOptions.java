package org.lrp4j.explain;

import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.tensor.Tensor;

/**
 * The options of the methods {@link Explainers#byName} builds; each method reads the ones it needs. Defaults:
 * LRP composite epsilon-plus-flat with seed logit; integrated gradients 32 steps (the conformance quadrature);
 * smoothgrad 25 samples, noise 0.15 of the input range, noise seed 0, over the gradient; occlusion window 4,
 * stride 2, fill 0; grad-cam at the last Conv node with the ReLU on; taylor and integrated gradients with the
 * zero baseline; taylor decomposes the logit; deep-taylor unbounded input unless low/high are given.
 */
public final class MethodOptions {
    private Composite composite = Composites.epsilonPlusFlat();
    private OutputSeed seed = OutputSeed.LOGIT;
    private int steps = 32;
    private int samples = 25;
    private float noise = 0.15f;
    private long noiseSeed = 0L;
    private String over = "gradient";
    private int window = 4;
    private int stride = 2;
    private float fill = 0f;
    private String node;
    private boolean relu = true;
    private Tensor baseline;
    private Tensor low;
    private Tensor high;
    private Taylor.Score score = Taylor.Score.LOGIT;
    private org.lrp4j.patterns.Patterns patterns;

    public static MethodOptions defaults() {
        return new MethodOptions();
    }

    public Composite composite() {
        return composite;
    }

    /** The LRP composite (for {@code lrp}, and {@code smoothgrad} over lrp). */
    public MethodOptions composite(Composite c) {
        this.composite = c;
        return this;
    }

    public OutputSeed seed() {
        return seed;
    }

    /** The LRP output seed. */
    public MethodOptions seed(OutputSeed s) {
        this.seed = s;
        return this;
    }

    public int steps() {
        return steps;
    }

    /** Integrated gradients: the number of points of the right Riemann sum. */
    public MethodOptions steps(int n) {
        this.steps = n;
        return this;
    }

    public int samples() {
        return samples;
    }

    /** SmoothGrad: the number of noisy samples. */
    public MethodOptions samples(int n) {
        this.samples = n;
        return this;
    }

    public float noise() {
        return noise;
    }

    /** SmoothGrad: the noise standard deviation as a fraction of each image's value range (max - min). */
    public MethodOptions noise(float sigma) {
        this.noise = sigma;
        return this;
    }

    public long noiseSeed() {
        return noiseSeed;
    }

    public MethodOptions noiseSeed(long s) {
        this.noiseSeed = s;
        return this;
    }

    public String over() {
        return over;
    }

    /** SmoothGrad: the method whose explanations are averaged (default gradient). */
    public MethodOptions over(String method) {
        this.over = method;
        return this;
    }

    public int window() {
        return window;
    }

    public MethodOptions window(int w) {
        this.window = w;
        return this;
    }

    public int stride() {
        return stride;
    }

    public MethodOptions stride(int s) {
        this.stride = s;
        return this;
    }

    public float fill() {
        return fill;
    }

    public MethodOptions fill(float f) {
        this.fill = f;
        return this;
    }

    public String node() {
        return node;
    }

    /** Grad-CAM: the node whose output is used (null: the last Conv node). */
    public MethodOptions node(String name) {
        this.node = name;
        return this;
    }

    public boolean relu() {
        return relu;
    }

    /** Grad-CAM: the ReLU on the map (on by default, as in the paper). */
    public MethodOptions relu(boolean on) {
        this.relu = on;
        return this;
    }

    public Tensor baseline() {
        return baseline;
    }

    /** Integrated gradients' baseline and taylor's reference point (null: zeros). */
    public MethodOptions baseline(Tensor b) {
        this.baseline = b;
        return this;
    }

    public Tensor low() {
        return low;
    }

    public Tensor high() {
        return high;
    }

    /** Input bounds: deep-taylor's box (z^B on the first layer). */
    public MethodOptions bounds(Tensor lo, Tensor hi) {
        this.low = lo;
        this.high = hi;
        return this;
    }

    /** PatternNet and PatternAttribution: the fitted patterns ('lrp4j patterns fit'), or null. */
    public org.lrp4j.patterns.Patterns patterns() {
        return patterns;
    }

    /** The patterns, or a clear error naming {@code method} when none were given. */
    public org.lrp4j.patterns.Patterns patterns(String method) {
        if (patterns == null) {
            throw new IllegalArgumentException(method + " needs the patterns of the model: give --patterns p.npz"
                    + " (written by 'lrp4j patterns fit')");
        }
        return patterns;
    }

    public MethodOptions patterns(org.lrp4j.patterns.Patterns p) {
        this.patterns = p;
        return this;
    }

    public Taylor.Score score() {
        return score;
    }

    /** Taylor: decompose the logit or the margin to the best other class. */
    public MethodOptions score(Taylor.Score s) {
        this.score = s;
        return this;
    }
}
