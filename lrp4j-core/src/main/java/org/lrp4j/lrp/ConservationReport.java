package org.lrp4j.lrp;

import java.util.List;
import java.util.Locale;

/**
 * Where relevance went: the total at the output (the seed), per node what entered and what left, and the total
 * that reached the input. Answers "why does my heatmap not sum to the logit": each node's absorbed share is the
 * part its bias and stabilizer took (epsilon, gamma and alpha-beta rules put the bias in the denominator only).
 * {@code nodes} is empty unless the explainer was asked for the per-node report (it costs a pass over every
 * relevance tensor).
 */
public record ConservationReport(double[] outputTotal, double[] inputTotal, List<NodeRelevance> nodes,
                                 List<String> canonizerNotes) {

    public ConservationReport {
        nodes = List.copyOf(nodes);
        canonizerNotes = List.copyOf(canonizerNotes);
    }

    /** A table for people: one line per node, per image columns for the first image. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (String n : canonizerNotes) {
            // notes of rule-assigning passes (e.g. "deep-taylor: ...") name their source; the others are canonizers
            sb.append(n.startsWith("deep-taylor:") ? "" : "canonizer: ").append(n).append('\n');
        }
        for (int img = 0; img < outputTotal.length; img++) {
            sb.append(String.format(Locale.ROOT, "image %d: relevance at output %.6g, at input %.6g (%.2f%% kept)%n",
                    img, outputTotal[img], inputTotal[img],
                    outputTotal[img] == 0 ? 100.0 : 100.0 * inputTotal[img] / outputTotal[img]));
            if (nodes.isEmpty()) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "  %-28s %-18s %-22s %13s %13s %13s %13s%n", "node", "op", "rule",
                    "R at output", "R to inputs", "bias took", "stabilizer"));
            for (NodeRelevance n : nodes) {
                sb.append(String.format(Locale.ROOT, "  %-28s %-18s %-22s %13.6g %13.6g %13.6g %13.6g%n", n.node(),
                        n.opType(), n.rule(), n.out()[img], n.in()[img], n.biasAbsorbed()[img],
                        n.stabilizerAbsorbed()[img]));
            }
        }
        return sb.toString();
    }
}
