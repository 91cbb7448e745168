package org.lrp4j.lrp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.graph.Architectures;
import org.lrp4j.graph.Model;
import org.lrp4j.lrp.composites.Composite;
import org.lrp4j.lrp.composites.Composites;
import org.lrp4j.lrp.composites.Selector;
import org.lrp4j.lrp.rules.Epsilon;

class LrpPlanTest {

    private final Model model = Architectures.cnn(1, 8, 3, 4, 4, 8, new SplittableRandom(1));

    @Test
    void theEnginePlansOnceWhenBuiltAndReplansOnlyWhenAsked() {
        Lrp lrp = new Lrp(model, Composites.epsilonPlusFlat(), List.of(), List.of());
        Lrp.Plan first = lrp.plan();
        assertThat(lrp.plan()).isSameAs(first);
        Lrp.Plan fresh = lrp.replan();
        assertThat(fresh).isNotSameAs(first);
        assertThat(fresh.rules().keySet()).containsExactlyElementsOf(first.rules().keySet());
        fresh.rules().forEach((node, rule) -> assertThat(rule.describe()).isEqualTo(first.rules().get(node).describe()));
    }

    @Test
    void aSelectorThatMatchesNothingFailsWhenTheEngineIsBuilt() {
        assertThatThrownBy(() -> new Lrp(model, Composites.epsilon(), List.of(),
                List.of(new Composite.Entry(Selector.name("no-such-node"), new Epsilon()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("matches no node");
    }
}
