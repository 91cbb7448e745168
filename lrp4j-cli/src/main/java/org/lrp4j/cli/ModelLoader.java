package org.lrp4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;
import org.lrp4j.onnx.OnnxImporter;

/** Loads a model file: ONNX by extension, otherwise lrp4j's own model file. */
final class ModelLoader {
    private ModelLoader() {
    }

    static Model load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        if (file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            return OnnxImporter.load(file);
        }
        return ModelFile.load(file);
    }
}
