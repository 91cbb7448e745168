package org.lrp4j.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.lrp4j.io.Npy;
import org.lrp4j.tensor.Tensor;

/**
 * The local web app's server (the JDK's HTTP server on a thread pool): the page and its static files, and the JSON
 * API under {@code /api/}. Safety for a server on people's laptops: it binds 127.0.0.1 unless told otherwise,
 * refuses requests whose Host header is not the served address (DNS rebinding), needs the session token on every
 * API call ({@code ?token=} or {@code Authorization: Bearer}), and enforces {@link Limits} with 413 / 429 and a JSON
 * error. Errors never show internals.
 */
public final class WebServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> STATIC = Set.of("index.html", "app.js", "app.css");

    private final Workspace workspace;
    private final Limits limits;
    private final String token;
    private final HttpServer server;
    private final ExecutorService pool;
    private final Set<String> hosts;
    private final Semaphore explaining;
    private final Map<String, double[]> buckets = new ConcurrentHashMap<>();

    private WebServer(Workspace workspace, Limits limits, String host, int port) throws IOException {
        this.workspace = workspace;
        this.limits = limits;
        byte[] t = new byte[16];
        new SecureRandom().nextBytes(t);
        this.token = HexFormat.of().formatHex(t);
        this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
        int p = server.getAddress().getPort();
        this.hosts = new java.util.HashSet<>(List.of("127.0.0.1:" + p, "localhost:" + p, "[::1]:" + p,
                host.toLowerCase(java.util.Locale.ROOT) + ":" + p));
        this.explaining = new Semaphore(limits.maxConcurrentExplanations());
        this.pool = Executors.newFixedThreadPool(Math.max(4, limits.maxConcurrentExplanations() + 4), r -> {
            Thread th = new Thread(r, "lrp4j-web");
            th.setDaemon(true);
            return th;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
    }

    /** Starts serving {@code workspace} on {@code host:port} (port 0: any free port). */
    public static WebServer start(Workspace workspace, Limits limits, String host, int port) throws IOException {
        WebServer s = new WebServer(workspace, limits, host, port);
        s.server.start();
        return s;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String token() {
        return token;
    }

    /** The page's address with the token, as printed for the user. */
    public String url() {
        return "http://127.0.0.1:" + port() + "/?token=" + token;
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String host = ex.getRequestHeaders().getFirst("Host");
            if (host == null || !hosts.contains(host.toLowerCase(java.util.Locale.ROOT))) {
                throw new ApiException(403, "the Host header '" + host + "' is not this server's address");
            }
            String path = ex.getRequestURI().getPath();
            if (!path.startsWith("/api/")) {
                serveStatic(ex, path);
                return;
            }
            if (!token.equals(tokenOf(ex))) {
                throw new ApiException(401, "this API needs the session token printed by lrp4j serve");
            }
            if (!allow(ex.getRemoteAddress().getAddress().getHostAddress())) {
                throw new ApiException(429, "too many requests; at most " + limits.requestsPerSecond() + " per second");
            }
            route(ex, path);
        } catch (ApiException e) {
            error(ex, e.status(), e.getMessage());
        } catch (OutOfMemoryError e) {
            error(ex, 503, "the server ran out of memory for this request; try a smaller image or model");
        } catch (RuntimeException e) {
            error(ex, 400, Workspace.oneLine(e.getMessage()));
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex, String path) throws IOException {
        String method = ex.getRequestMethod();
        if (path.equals("/api/samples") && method.equals("GET")) {
            List<Map<String, Object>> list = new java.util.ArrayList<>();
            for (Workspace.Sample s : workspace.samples()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", s.id());
                m.put("name", s.name());
                m.put("label", s.label());
                m.put("url", "/api/samples/" + s.id() + ".png");
                list.add(m);
            }
            json(ex, 200, list);
        } else if (path.matches("/api/samples/\\d{1,6}\\.png") && method.equals("GET")) {
            int id = Integer.parseInt(path.substring("/api/samples/".length(), path.length() - 4));
            if (id >= workspace.samples().size()) {
                throw new ApiException(404, "no sample " + id);
            }
            send(ex, 200, "image/png", workspace.samples().get(id).png());
        } else if (path.equals("/api/methods") && method.equals("GET")) {
            json(ex, 200, Map.of("methods", workspace.methods()));
        } else if (path.equals("/api/model") && method.equals("GET")) {
            json(ex, 200, workspace.info());
        } else if (path.equals("/api/model") && method.equals("POST")) {
            byte[] body = body(ex, limits.maxModelBytes());
            String name = query(ex).get("name");
            withSlot(() -> json(ex, 200, workspace.upload(body, name)));
        } else if (path.equals("/api/explain") && method.equals("POST")) {
            JsonNode req = parse(body(ex, limits.maxImageBytes() * 4 / 3 + 4096));
            Integer sample = req.hasNonNull("sample") ? req.get("sample").asInt() : null;
            String image = req.hasNonNull("image") ? req.get("image").asText() : null;
            String m = req.hasNonNull("method") ? req.get("method").asText() : "lrp:epsilon-plus-flat";
            String target = req.hasNonNull("target") ? req.get("target").asText() : "pred";
            var decoded = workspace.image(sample, image);
            withSlot(() -> json(ex, 200, workspace.explain(decoded, m, target)));
        } else if (path.matches("/api/relevance/r\\d{1,12}\\.npy") && method.equals("GET")) {
            String id = path.substring("/api/relevance/".length(), path.length() - 4);
            Tensor t = workspace.relevance(id);
            if (t == null) {
                throw new ApiException(404, "relevance " + id + " is no longer kept; explain again");
            }
            java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
            Npy.write(b, org.lrp4j.io.NpyArray.of(t));
            ex.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"relevance.npy\"");
            send(ex, 200, "application/octet-stream", b.toByteArray());
        } else {
            throw new ApiException(404, "no API " + method + " " + path);
        }
    }

    @FunctionalInterface
    private interface Work {
        void run() throws IOException;
    }

    /** Runs heavy work when one of the explanation slots is free within 2 s, else 429. */
    private void withSlot(Work w) throws IOException {
        boolean acquired;
        try {
            // a short wait absorbs a client whose next request arrives while its previous one is still finishing
            acquired = explaining.tryAcquire(2, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            throw new ApiException(429, "the server is busy with " + limits.maxConcurrentExplanations()
                    + " explanations; try again in a moment");
        }
        try {
            w.run();
        } finally {
            explaining.release();
        }
    }

    /** A token bucket per client address: {@code requestsPerSecond} capacity, refilled continuously. */
    private boolean allow(String client) {
        double rate = limits.requestsPerSecond();
        double[] b = buckets.computeIfAbsent(client, k -> new double[] {rate, System.nanoTime()});
        synchronized (b) {
            double now = System.nanoTime();
            b[0] = Math.min(rate, b[0] + (now - b[1]) / 1e9 * rate);
            b[1] = now;
            if (b[0] < 1) {
                return false;
            }
            b[0] -= 1;
            return true;
        }
    }

    private void serveStatic(HttpExchange ex, String path) throws IOException {
        String name = path.equals("/") ? "index.html" : path.startsWith("/static/") ? path.substring(8) : "";
        if (!STATIC.contains(name) || !ex.getRequestMethod().equals("GET")) {
            throw new ApiException(404, "no page " + path);
        }
        try (InputStream in = WebServer.class.getResourceAsStream("static/" + name)) {
            if (in == null) {
                throw new ApiException(404, "no page " + path);
            }
            String type = name.endsWith(".html") ? "text/html; charset=utf-8" : name.endsWith(".js")
                    ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
            ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
            send(ex, 200, type, in.readAllBytes());
        }
    }

    private String tokenOf(HttpExchange ex) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.startsWith("Bearer ")) {
            return auth.substring(7).trim();
        }
        return query(ex).get("token");
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new HashMap<>();
        URI u = ex.getRequestURI();
        String raw = u.getRawQuery();
        if (raw == null) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                q.put(URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    /** The request body, refused with 413 beyond {@code max} bytes (announced or actual). */
    private static byte[] body(HttpExchange ex, int max) throws IOException {
        String len = ex.getRequestHeaders().getFirst("Content-Length");
        if (len != null) {
            try {
                if (Long.parseLong(len.trim()) > max) {
                    throw new ApiException(413, "the upload is larger than the limit of " + max + " bytes");
                }
            } catch (NumberFormatException e) {
                throw new ApiException(400, "bad Content-Length");
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) {
                throw new ApiException(413, "the upload is larger than the limit of " + max + " bytes");
            }
            return b;
        }
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw new ApiException(400, "the request body must be a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new ApiException(400, "the request body is not valid JSON");
        }
    }

    private static void json(HttpExchange ex, int status, Object value) throws IOException {
        send(ex, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(value));
    }

    private static void error(HttpExchange ex, int status, String message) {
        try {
            json(ex, status, Map.of("error", message));
        } catch (IOException | RuntimeException ignored) {
            // the client went away; nothing to tell it
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
