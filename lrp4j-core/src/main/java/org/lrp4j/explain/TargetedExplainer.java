package org.lrp4j.explain;

import java.util.Map;

import org.lrp4j.autodiff.GradMode;
import org.lrp4j.graph.Model;
import org.lrp4j.tensor.Tensor;

/**
 * The shared target handling of the non-LRP explainers: the targets are resolved on the model output for the
 * given input (argmax for {@link Targets#predicted()}), and {@link Targets#all()} is expanded as
 * {@link LrpExplainer} does: every image is repeated once per class, the rows are explained for classes
 * 0..K-1, and the attribution gets a class axis, [N, K, ...]; {@link Explanation#targets()} is then image-major
 * [N * K]. Subclasses explain rows, one target per row, and may return an attribution of any per-row shape.
 */
public abstract class TargetedExplainer implements Explainer {

    /** The rows to explain: the input (or the input repeated per class) and one target per row. */
    protected record Rows(Tensor input, int[] targets, int images, int classes, boolean all) {

        /** Reshapes per-row results [N * K, ...] to [N, K, ...] for all targets; unchanged otherwise. */
        public Tensor withClassAxis(Tensor perRow) {
            if (!all) {
                return perRow;
            }
            int[] d = new int[perRow.rank() + 1];
            d[0] = images;
            d[1] = classes;
            System.arraycopy(perRow.dims(), 1, d, 2, perRow.rank() - 1);
            return perRow.reshape(d);
        }
    }

    protected final Model model;

    protected TargetedExplainer(Model model) {
        this.model = model;
    }

    public Model model() {
        return model;
    }

    @Override
    public Explanation explain(Tensor input, Targets targets) {
        try (GradMode.Scope s = GradMode.disabled()) {
            if (!(targets instanceof Targets.All) && input.rank() >= 2) {
                Explanation e = explainOnOwnOutput(input, targets);
                if (e != null) {
                    return e;
                }
            }
            Rows r = rows(input, targets);
            Explanation e = explainRows(r.input(), r.targets());
            return new Explanation(r.withClassAxis(e.attribution()), e.targets(), e.output(), e.layers(), e.report());
        }
    }

    /**
     * Explains each row for its target (one per image, not {@link Targets#all()}) with the targets resolved on
     * the output of the explainer's own forward pass, which saves the forward pass that resolving them beforehand
     * costs; null where the explainer does not (the default), and {@link #explainRows} is used.
     */
    protected Explanation explainOnOwnOutput(Tensor input, Targets targets) {
        return null;
    }

    /** Explains each row for its target; the attribution's first axis is the row. */
    protected abstract Explanation explainRows(Tensor input, int[] targets);

    /** Resolves the targets on the model output, expanding {@link Targets#all()}. */
    protected Rows rows(Tensor input, Targets targets) {
        if (input.rank() < 2) {
            throw new IllegalArgumentException("the input must have a batch axis, [N, ...], but has shape "
                    + input.shape());
        }
        int n = input.dim(0);
        if (targets instanceof Targets.All) {
            Tensor logits = model.predict(input.slice(0, Math.min(1, n)));
            int k = logits.size() / Math.max(1, logits.dim(0));
            int per = input.size() / Math.max(1, n);
            float[] rep = new float[n * k * per];
            int[] t = new int[n * k];
            float[] src = input.data();
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < k; c++) {
                    System.arraycopy(src, input.offset() + i * per, rep, (i * k + c) * per, per);
                    t[i * k + c] = c;
                }
            }
            int[] dims = input.dims();
            dims[0] = n * k;
            return new Rows(Tensor.wrap(rep, dims), t, n, k, true);
        }
        return new Rows(input, targets.resolve(model.predict(input)), n, 0, false);
    }

    static Explanation plain(Tensor attribution, int[] targets, Tensor output) {
        return new Explanation(attribution, targets, output, Map.of(), null);
    }
}
