package org.lrp4j.explain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelBuilder;
import org.lrp4j.layers.Add;
import org.lrp4j.layers.Conv2d;
import org.lrp4j.layers.Flatten;
import org.lrp4j.layers.GlobalAveragePool;
import org.lrp4j.layers.Linear;
import org.lrp4j.layers.MaxPool2d;
import org.lrp4j.layers.ReLU;

class GradCamDefaultNodeTest {

    @Test
    void onAResidualNetTheDefaultIsTheLastBlocksOutputAfterTheAddAndReLU() {
        SplittableRandom r = new SplittableRandom(1);
        ModelBuilder b = ModelBuilder.create("resnet-like").input("x", 2, 6, 6);
        String c1 = b.add("conv1", Conv2d.of(2, 2, 3, 1, 1, r), "x");
        String r1 = b.add("relu1", new ReLU(), c1);
        String c2 = b.add("conv2", Conv2d.of(2, 2, 3, 1, 1, r), r1);
        String sum = b.add("add", new Add(), c2, "x");
        String out = b.add("layer4", new ReLU(), sum);
        String gap = b.add("gap", new GlobalAveragePool(), out);
        String flat = b.add("flatten", new Flatten(), gap);
        b.add("fc", Linear.of(2, 3, r), flat);
        Model m = b.output("fc").build();
        assertThat(new GradCam(m).node()).isEqualTo("layer4");
    }

    @Test
    void onAVggStyleNetTheDefaultIsTheReLUAfterTheLastConvNotThePooling() {
        SplittableRandom r = new SplittableRandom(2);
        Model m = ModelBuilder.create("vgg-like").input("x", 1, 8, 8).then(Conv2d.of(1, 2, 3, 1, 1, r))
                .then(new ReLU()).then(MaxPool2d.of(2, 2)).then(new Flatten()).then(Linear.of(2 * 16, 3, r)).build();
        String relu = m.nodes().get(1).name();
        assertThat(new GradCam(m).node()).isEqualTo(relu);
    }
}
