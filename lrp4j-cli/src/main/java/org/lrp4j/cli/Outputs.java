package org.lrp4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.lrp4j.io.Npy;
import org.lrp4j.tensor.Tensor;

/** Output files of the commands: checked before the work, and written whole or not at all. */
final class Outputs {
    private Outputs() {
    }

    /**
     * A clear error unless {@code file} can be written: not a folder, and its nearest existing parent a writable
     * folder ({@code option} names the flag in the message).
     */
    static void checkWritable(Path file, String option) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(option + " " + file + " is a folder; give a file name, e.g. "
                    + file.resolve("relevance.npy"));
        }
        checkFolder(file.toAbsolutePath().getParent(), option + " " + file);
    }

    /** A clear error unless files can be written in {@code folder}: its nearest existing ancestor a writable folder. */
    static void checkFolder(Path folder, String what) {
        Path existing = folder.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing)) {
            throw new IllegalArgumentException(what + ": " + existing + " is a file, not a folder; choose a path in a"
                    + " folder");
        }
        if (!Files.isWritable(existing)) {
            throw new IllegalArgumentException(what + ": the folder " + existing + " is not writable; choose another"
                    + " path");
        }
    }

    /**
     * A new, empty temporary file in the folder of {@code file} (created if needed), with the usual permissions
     * (unlike {@link Files#createTempFile}, which makes it private), to be moved onto {@code file} when complete.
     */
    static Path tempBeside(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; ; attempt++) {
            Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(r.nextLong()) + ".tmp");
            try {
                return Files.createFile(tmp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw e;
                }
            }
        }
    }

    /** Writes a .npy file through a temporary file beside it, so a failure leaves no half-written file. */
    static void writeNpy(Path file, Tensor t) throws IOException {
        writeVia(file, tmp -> Npy.write(tmp, t));
    }

    /** What writes a complete file at a path. */
    interface FileWriter {
        void write(Path path) throws IOException;
    }

    /** Lets {@code writer} write a temporary file beside {@code file}, then moves it there: never half a file. */
    static void writeVia(Path file, FileWriter writer) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = tempBeside(abs);
        try {
            writer.write(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes every file next to its final name in {@code folder} first, then moves them: no half-written results. */
    static void writeAll(Path folder, java.util.Map<String, byte[]> files) throws IOException {
        Files.createDirectories(folder);
        java.util.List<Path> tmp = new java.util.ArrayList<>();
        try {
            for (java.util.Map.Entry<String, byte[]> f : files.entrySet()) {
                Path t = folder.resolve("." + f.getKey() + ".tmp");
                Files.write(t, f.getValue());
                tmp.add(t);
            }
            for (Path t : tmp) {
                String name = t.getFileName().toString();
                Files.move(t, folder.resolve(name.substring(1, name.length() - 4)),
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            for (Path t : tmp) {
                Files.deleteIfExists(t);
            }
        }
    }
}
