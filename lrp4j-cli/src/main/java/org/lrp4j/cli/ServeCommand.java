package org.lrp4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.lrp4j.data.FashionMnist;
import org.lrp4j.graph.Model;
import org.lrp4j.web.Limits;
import org.lrp4j.web.WebServer;
import org.lrp4j.web.Workspace;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lrp4j serve}: the local web app. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the local web app: pick or upload an image, choose methods and a target, see heatmaps,"
                + " the top classes, per-node conservation and the image's pixel-flipping curve.",
                "Listens on 127.0.0.1 only (unless --host) and prints the address with the session token; every API"
                        + " call needs that token."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", description = "ONNX model to serve (default: the embedded Fashion-MNIST CNN and its"
            + " sample images)")
    Path model;

    @Option(names = "--patterns", paramLabel = "P.npz", description = "patterns of the model ('lrp4j patterns"
            + " fit'): the page then also offers patternnet and patternattribution")
    Path patterns;

    @Option(names = "--port", defaultValue = "0", description = "port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default: ${DEFAULT-VALUE};"
            + " anything else makes the app reachable from other machines)")
    String host;

    @Option(names = "--open", description = "open the page in the default browser")
    boolean open;

    @Option(names = "--max-image-mb", defaultValue = "10", description = "largest image upload (default:"
            + " ${DEFAULT-VALUE})")
    int maxImageMb;

    @Option(names = "--max-model-mb", defaultValue = "200", description = "largest model upload (default:"
            + " ${DEFAULT-VALUE})")
    int maxModelMb;

    @Option(names = "--max-concurrent", defaultValue = "4", description = "explanations at once; more get HTTP 429"
            + " (default: ${DEFAULT-VALUE})")
    int maxConcurrent;

    @Option(names = "--rate", defaultValue = "50", description = "requests per second per client (default:"
            + " ${DEFAULT-VALUE})")
    int rate;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535, not " + port);
        }
        Limits limits = new Limits(maxImageMb << 20, maxModelMb << 20, Limits.defaults().maxImagePixels(),
                maxConcurrent, rate);
        Workspace ws = workspace(limits);
        if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
            System.err.println("lrp4j serve: warning: listening on " + host + ": other machines can reach the app"
                    + " (they still need the token)");
        }
        WebServer server;
        try {
            server = WebServer.start(ws, limits, host, port);
        } catch (java.net.BindException e) {
            throw new IllegalArgumentException("cannot listen on " + host + ":" + port + " (" + e.getMessage()
                    + "); choose another --port, or 0 for any free one");
        }
        System.out.println("lrp4j web app: " + server.url());
        System.out.println("(Ctrl-C stops it)");
        System.out.flush();
        if (open) {
            try {
                java.awt.Desktop.getDesktop().browse(java.net.URI.create(server.url()));
            } catch (RuntimeException | java.io.IOException e) {
                System.err.println("lrp4j serve: note: cannot open a browser here; open the address above yourself");
            }
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    private Workspace workspace(Limits limits) throws java.io.IOException {
        List<Workspace.Sample> samples = new ArrayList<>();
        List<DemoCommand.Sample> demo = DemoCommand.samples();
        for (int i = 0; i < demo.size(); i++) {
            DemoCommand.Sample s = demo.get(i);
            samples.add(new Workspace.Sample(i, s.file(), s.label(),
                    DemoCommand.resource(DemoCommand.SAMPLES_DIR + s.file())));
        }
        if (model == null) {
            Model m = DemoCommand.loadModel();
            return new Workspace("embedded Fashion-MNIST CNN", m, FashionMnist.CLASS_NAMES, samples, limits,
                    patterns == null ? null : org.lrp4j.patterns.Patterns.load(patterns, m));
        }
        ModelLoader.Loaded loaded = ModelLoader.loadWithInfo(model);
        Model m = loaded.model();
        return new Workspace(model.getFileName().toString(), m, loaded.classNames().orElse(List.of()),
                samples, limits, patterns == null ? null : org.lrp4j.patterns.Patterns.load(patterns, m));
    }
}
