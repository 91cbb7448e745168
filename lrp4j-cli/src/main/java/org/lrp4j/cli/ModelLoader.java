package org.lrp4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
import org.lrp4j.onnx.OnnxExporter;
import org.lrp4j.onnx.OnnxImporter;
import org.lrp4j.onnx.OnnxModelInfo;

/**
 * Reads and writes model files. ONNX is the model format of lrp4j; the older lrp4j model file (written by
 * {@code lrp4j train --out x.lrp4j}) is still read and written for compatibility. Reading looks at the content,
 * not the extension: a file that starts with the lrp4j model header is an lrp4j model file, anything else is read
 * as ONNX.
 */
final class ModelLoader {
    private ModelLoader() {
    }

    /** The extension that selects lrp4j's own (legacy) model file when writing. */
    static final String LEGACY_EXTENSION = ".lrp4j";

    /** A loaded model with what the file says about its classes. */
    record Loaded(Model model, Optional<List<String>> classNames, Optional<OnnxModelInfo> onnx) {
    }

    static Model load(Path file) throws IOException {
        check(file);
        return named(isLegacy(file) ? ModelFile.load(file) : OnnxImporter.load(file), file);
    }

    /**
     * The model named after its file: error messages then say "model 'resnet18.onnx'", which a user recognises,
     * rather than the graph name an exporter chose ("torch_jit", "main_graph").
     */
    private static Model named(Model m, Path file) {
        checkFinite(m, file);
        return Model.of(file.getFileName().toString(), m.inputs(), m.nodes(), m.outputs());
    }

    /**
     * Refuses weights that hold NaN or infinite values (a corrupted or badly exported file): every output and every
     * explanation would be NaN. Names the first such tensor and how many of its values are affected.
     */
    static void checkFinite(Model m, Path file) {
        m.nonFiniteWeights().ifPresent(problem -> {
            throw new IllegalArgumentException("model " + file.getFileName() + ": " + problem + "; the file is"
                    + " corrupted or was exported from a diverged model; export it again");
        });
    }

    private static void check(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IOException("model file not found: " + file);
        }
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a folder, not a model file");
        }
    }

    /** Loads a model and, for ONNX, what the file says about itself (opset, producer, class names). */
    static Loaded loadWithInfo(Path file) throws IOException {
        check(file);
        if (isLegacy(file)) {
            return new Loaded(named(ModelFile.load(file), file), Optional.empty(), Optional.empty());
        }
        OnnxModelInfo info = OnnxModelInfo.read(file);
        Model m = named(OnnxImporter.load(file), file);
        return new Loaded(m, info.classNames(), Optional.of(info));
    }

    /** Whether the file starts like an lrp4j model file (writeUTF of "LRP4J-MODEL"). */
    static boolean isLegacy(Path file) throws IOException {
        byte[] magic = "LRP4J-MODEL".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] head = new byte[magic.length + 2];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, head.length);
            if (n < head.length || head[0] != 0 || head[1] != magic.length) {
                return false;
            }
        }
        return java.util.Arrays.equals(java.util.Arrays.copyOfRange(head, 2, head.length), magic);
    }

    /** Writes ONNX, or the legacy lrp4j model file when the name ends with {@value #LEGACY_EXTENSION}. */
    static void save(Model model, Path file, ModelFile.Header legacyHeader, java.util.Map<String, String> metadata)
            throws IOException {
        if (file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(LEGACY_EXTENSION)) {
            ModelFile.save(model, legacyHeader, file);
        } else {
            OnnxExporter.save(model, file, metadata);
        }
    }
}
