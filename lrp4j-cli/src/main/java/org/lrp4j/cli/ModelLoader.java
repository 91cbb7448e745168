package org.lrp4j.cli;

import java.io.IOException;
import java.nio.file.Path;

import org.lrp4j.graph.Model;
import org.lrp4j.graph.ModelFile;

/** Loads a model file by its kind. */
final class ModelLoader {
    private ModelLoader() {
    }

    static Model load(Path file) throws IOException {
        return ModelFile.load(file);
    }
}
