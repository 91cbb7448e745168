package org.lrp4j.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lrp4j.io.Npy;
import org.lrp4j.onnx.OnnxExporter;
import org.lrp4j.tensor.Tensor;

class WebServerApiTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    WebServer server;
    HttpClient http;

    @BeforeAll
    static void allowHostHeader() {
        // the JDK client refuses to set Host unless allowed; the server's DNS-rebinding check needs it
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host");
    }

    @BeforeEach
    void setUp() throws Exception {
        server = TestServers.start(Limits.defaults());
        http = HttpClient.newHttpClient();
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    HttpResponse<byte[]> get(String path, boolean withToken) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path));
        if (withToken) {
            b.header("Authorization", "Bearer " + server.token());
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<byte[]> post(String path, byte[] body, String type) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + server.token()).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static JsonNode json(HttpResponse<byte[]> r) throws Exception {
        return JSON.readTree(r.body());
    }

    HttpResponse<byte[]> explain(String body) throws Exception {
        return post("/api/explain", body.getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json");
    }

    @Test
    void samplesMethodsAndModelAreListed() throws Exception {
        JsonNode samples = json(get("/api/samples", true));
        assertThat(samples.size()).isEqualTo(4);
        assertThat(samples.get(2).get("id").asInt()).isEqualTo(2);
        HttpResponse<byte[]> png = get("/api/samples/1.png?token=" + server.token(), false);
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.body()).startsWith(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        JsonNode methods = json(get("/api/methods", true)).get("methods");
        assertThat(methods.toString()).contains("lrp:epsilon-plus-flat", "gradient", "grad-cam");
        JsonNode model = json(get("/api/model", true));
        assertThat(model.get("classes").size()).isEqualTo(10);
        assertThat(model.get("preprocessing").asText()).isEqualTo("fashion-mnist");
        assertThat(get("/", false).statusCode()).isEqualTo(200);
        assertThat(get("/static/app.js", false).statusCode()).isEqualTo(200);
    }

    @Test
    void patternMethodsAreOfferedOnlyWithPatternsAndUntilAnotherModelIsUploaded() throws Exception {
        assertThat(json(get("/api/methods", true)).get("methods").toString()).doesNotContain("pattern");
        server.close();
        var model = TestServers.model();
        var patterns = new org.lrp4j.patterns.PatternFit(model, false)
                .add(Tensor.randn(new java.util.SplittableRandom(5), 1f, 32, 1, 28, 28)).patterns();
        var samples = TestServers.workspace(Limits.defaults()).samples();
        server = WebServer.start(new Workspace("test cnn", model, TestServers.CLASSES, samples, Limits.defaults(),
                patterns), Limits.defaults(), "127.0.0.1", 0);
        assertThat(json(get("/api/methods", true)).get("methods").toString())
                .contains("\"patternnet\"", "\"patternattribution\"");
        HttpResponse<byte[]> r = explain("{\"sample\": 1, \"method\": \"patternattribution\"}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        assertThat(json(r).get("heatmap").asText()).startsWith("data:image/png;base64,");
        Path onnx = dir.resolve("other.onnx");
        OnnxExporter.save(org.lrp4j.graph.Architectures.create("cnn", 1, 28, 10, 9), onnx);
        assertThat(post("/api/model?name=other.onnx", Files.readAllBytes(onnx), "application/octet-stream")
                .statusCode()).isEqualTo(200);
        assertThat(json(get("/api/methods", true)).get("methods").toString()).doesNotContain("pattern");
        assertThat(explain("{\"sample\": 1, \"method\": \"patternnet\"}").statusCode()).isEqualTo(400);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Workspace("other", TestServers.model(),
                TestServers.CLASSES, samples, Limits.defaults(),
                new org.lrp4j.patterns.PatternFit(org.lrp4j.graph.Architectures.create("cnn", 1, 28, 10, 4), false)
                        .add(Tensor.randn(new java.util.SplittableRandom(6), 1f, 8, 1, 28, 28)).patterns()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("patterns belong to another model");
    }

    @Test
    void explainAnswersTopClassesHeatmapsConservationAndPixelFlipping() throws Exception {
        HttpResponse<byte[]> r = explain("{\"sample\": 1, \"method\": \"lrp:epsilon-plus-flat\", \"target\": \"pred\"}");
        assertThat(r.statusCode()).as(new String(r.body())).isEqualTo(200);
        JsonNode e = json(r);
        assertThat(e.get("top").size()).isEqualTo(5);
        double p = 0;
        for (JsonNode t : e.get("top")) {
            p += t.get("probability").asDouble();
            assertThat(t.has("class") && t.has("name")).isTrue();
        }
        assertThat(p).isBetween(0.0, 1.0 + 1e-9);
        assertThat(e.get("target").asInt()).isEqualTo(e.get("top").get(0).get("class").asInt());
        assertThat(e.get("heatmap").asText()).startsWith("data:image/png;base64,");
        assertThat(e.get("overlay").asText()).startsWith("data:image/png;base64,");
        JsonNode c = e.get("conservation");
        assertThat(c.get("nodes").size()).isGreaterThan(3);
        assertThat(e.get("pixel_flipping").get("morf").size()).isEqualTo(17);
        // the relevance download is the attribution
        HttpResponse<byte[]> npy = get(e.get("relevance").asText(), true);
        assertThat(npy.statusCode()).isEqualTo(200);
        Path f = dir.resolve("r.npy");
        Files.write(f, npy.body());
        Tensor rel = Npy.readTensor(f);
        assertThat(rel.dims()).containsExactly(1, 1, 28, 28);
        assertThat((double) rel.sumValue()).isCloseTo(c.get("input").asDouble(),
                org.assertj.core.api.Assertions.within(1e-3 * Math.max(1, Math.abs(c.get("input").asDouble()))));

        // an uploaded image and a fixed target, another method
        String b64 = Base64.getEncoder().encodeToString(TestServers.png(7));
        JsonNode g = json(explain("{\"image\": \"data:image/png;base64," + b64 + "\", \"method\": \"gradient\","
                + " \"target\": 3}"));
        assertThat(g.get("target").asInt()).isEqualTo(3);
        assertThat(g.has("conservation")).isFalse();
    }

    @Test
    void badRequestsGetAClearJsonErrorAndTheServerGoesOn() throws Exception {
        String notImage = Base64.getEncoder().encodeToString("just text".getBytes());
        Object[][] cases = {
            {"{\"image\": \"" + notImage + "\"}", 400, "not an image"},
            {"{\"image\": \"%%%\"}", 400, "base64"},
            {"{\"sample\": 99}", 404, "no sample 99"},
            {"{\"sample\": 0, \"method\": \"lrp:nonsense\"}", 400, "neither a preset"},
            {"{\"sample\": 0, \"target\": 10}", 400, "out of range"},
            {"{\"sample\": 0, \"target\": \"best\"}", 400, "class index"},
            {"not json", 400, "not valid JSON"},
            {"{}", 400, "\\\"sample\\\""},
        };
        for (Object[] c : cases) {
            HttpResponse<byte[]> r = explain((String) c[0]);
            assertThat(r.statusCode()).as((String) c[0]).isEqualTo(c[1]);
            String error = json(r).get("error").asText();
            assertThat(error).as((String) c[0]).contains(((String) c[2]).replace("\\\"", "\""));
            assertThat(error).doesNotContain("Exception").doesNotContain("\tat ");
        }
        assertThat(get("/api/nothing", true).statusCode()).isEqualTo(404);
        assertThat(explain("{\"sample\": 0}").statusCode()).isEqualTo(200);
    }

    @Test
    void tokenAndHostAreChecked() throws Exception {
        assertThat(get("/api/samples", false).statusCode()).isEqualTo(401);
        assertThat(get("/api/samples?token=wrong", false).statusCode()).isEqualTo(401);
        assertThat(get("/api/samples?token=" + server.token(), false).statusCode()).isEqualTo(200);
        HttpResponse<byte[]> rebound = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/samples"))
                .header("Authorization", "Bearer " + server.token()).header("Host", "attacker.example:" + server.port())
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(rebound.statusCode()).isEqualTo(403);
        assertThat(get("/api/samples?token=" + server.token(), false).statusCode()).isEqualTo(200);
    }

    @Test
    void noPathFromARequestReachesTheFileSystem() throws Exception {
        for (String p : List.of("/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd", "/etc/passwd",
                "/static/app.js/../../pom.xml", "/api/samples/../../etc/passwd", "/api/relevance/..%2f..%2fx.npy")) {
            HttpResponse<byte[]> r = get(p, true);
            assertThat(r.statusCode()).as(p).isIn(400, 404);
            assertThat(new String(r.body())).doesNotContain("root:");
        }
        // an uploaded model's name is only a label: a traversal name writes nothing outside the private folder
        Path onnx = dir.resolve("m.onnx");
        OnnxExporter.save(TestServers.model(), onnx);
        HttpResponse<byte[]> up = post("/api/model?name=..%2F..%2Fevil.onnx", Files.readAllBytes(onnx),
                "application/octet-stream");
        assertThat(up.statusCode()).as(new String(up.body())).isEqualTo(200);
        assertThat(json(up).get("name").asText()).doesNotContain("/");
        assertThat(Path.of("../../evil.onnx")).doesNotExist();
    }

    @Test
    void modelUploadsAreCheckedAndReplaceTheModel() throws Exception {
        HttpResponse<byte[]> bad = post("/api/model", "not a model".getBytes(), "application/octet-stream");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("error").asText()).contains("not an ONNX model");
        Path onnx = dir.resolve("m.onnx");
        OnnxExporter.save(org.lrp4j.graph.Architectures.create("cnn", 1, 28, 10, 9), onnx);
        HttpResponse<byte[]> ok = post("/api/model?name=other.onnx", Files.readAllBytes(onnx), "application/octet-stream");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(get("/api/model", true)).get("name").asText()).isEqualTo("other.onnx");
        assertThat(explain("{\"sample\": 0}").statusCode()).isEqualTo(200);
    }

    @Test
    void limitsGive413And429AndTheServerKeepsWorking() throws Exception {
        server.close();
        server = TestServers.start(new Limits(1000, 2000, 100, 1, 5));
        String big = Base64.getEncoder().encodeToString(new byte[4000]);
        HttpResponse<byte[]> r = explain("{\"image\": \"" + big + "\"}");
        assertThat(r.statusCode()).isEqualTo(413);
        HttpResponse<byte[]> model = post("/api/model", new byte[5000], "application/octet-stream");
        assertThat(model.statusCode()).isEqualTo(413);
        // a 28 x 28 image has 784 pixels, more than this server's 100
        String img = Base64.getEncoder().encodeToString(TestServers.png(1));
        int status = explain("{\"image\": \"" + img + "\"}").statusCode();
        assertThat(status).isIn(413, 429);
        int limited = 0;
        for (int i = 0; i < 20; i++) {
            limited += get("/api/methods", true).statusCode() == 429 ? 1 : 0;
        }
        assertThat(limited).isGreaterThan(0);
        Thread.sleep(1200);
        assertThat(get("/api/methods", true).statusCode()).isEqualTo(200);
    }

    @Test
    void sixteenConcurrentClientsGetFiveHundredExplanationsWithoutAnError() throws Exception {
        server.close();
        server = TestServers.start(new Limits(10 << 20, 10 << 20, 1_000_000, 16, 10_000));
        ExecutorService clients = Executors.newFixedThreadPool(16);
        List<Future<long[]>> futures = new ArrayList<>();
        int perClient = 500 / 16 + 1;
        for (int c = 0; c < 16; c++) {
            int id = c;
            futures.add(clients.submit(() -> {
                long[] out = new long[perClient + 1];
                for (int i = 0; i < perClient; i++) {
                    long t0 = System.nanoTime();
                    HttpResponse<byte[]> r = explain("{\"sample\": " + ((id + i) % 4) + ", \"method\": \""
                            + (i % 2 == 0 ? "lrp:epsilon-plus-flat" : "gradient") + "\"}");
                    out[i] = System.nanoTime() - t0;
                    if (r.statusCode() != 200) {
                        out[perClient]++;
                        System.err.println("web load: HTTP " + r.statusCode() + " " + new String(r.body()));
                    }
                }
                return out;
            }));
        }
        List<Long> latencies = new ArrayList<>();
        long errors = 0;
        for (Future<long[]> f : futures) {
            long[] v = f.get();
            errors += v[perClient];
            for (int i = 0; i < perClient; i++) {
                latencies.add(v[i]);
            }
        }
        clients.shutdown();
        latencies.sort(null);
        System.err.printf("web load: %d explain requests, 16 clients, p50 %.1f ms, p99 %.1f ms, errors %d%n",
                latencies.size(), latencies.get(latencies.size() / 2) / 1e6,
                latencies.get((int) (latencies.size() * 0.99)) / 1e6, errors);
        assertThat(errors).isZero();
        assertThat(latencies).hasSizeGreaterThanOrEqualTo(500);
    }
}
