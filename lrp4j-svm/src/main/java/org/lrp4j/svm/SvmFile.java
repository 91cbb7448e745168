package org.lrp4j.svm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * What {@code lrp4j svm} reads: an lrp4j Bag-of-Words pipeline file, or a plain LIBSVM model file (whose inputs are
 * feature vectors).
 *
 * <p>The pipeline file is text: {@code lrp4j-svm-bow 1}, the {@link BowConfig} as {@code key value} lines
 * ({@code image C H W}, {@code normalization MEAN STD}, {@code patch}, {@code stride}, {@code descriptor raw|hog},
 * {@code words}, {@code assignment}, {@code beta}, {@code pooling}), {@code codebook} and V lines of C k k numbers,
 * then {@code svm} and the SVM in LIBSVM's format ({@link LibsvmFormat}).
 */
public sealed interface SvmFile {

    String MAGIC = "lrp4j-svm-bow";

    /** An lrp4j pipeline: images in, BoW features, SVM. */
    record Pipeline(BowSvm pipeline) implements SvmFile {
    }

    /** A LIBSVM model: feature vectors in. */
    record Plain(SvmModel model) implements SvmFile {
    }

    /** True if the file starts as an lrp4j pipeline file (false if it cannot be read). */
    static boolean isPipeline(Path file) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            return first != null && first.startsWith(MAGIC);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** True if the file starts as a LIBSVM model file (false if it cannot be read). */
    static boolean isLibsvmModel(Path file) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            return LibsvmFormat.looksLikeModel(r.readLine());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Reads a pipeline or a LIBSVM model; anything else is refused with one line. */
    static SvmFile read(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            r.mark(1 << 16);
            String first = r.readLine();
            if (first != null && first.startsWith(MAGIC)) {
                return new Pipeline(readPipeline(r, file.toString()));
            }
            if (LibsvmFormat.looksLikeModel(first)) {
                r.reset();
                return new Plain(LibsvmFormat.read(r, file.toString(), 0));
            }
        }
        throw new SvmFormatException(file + " is neither an lrp4j SVM pipeline ('lrp4j svm train --out') nor a"
                + " LIBSVM model file (which starts with 'svm_type')");
    }

    private static BowSvm readPipeline(BufferedReader r, String source) throws IOException {
        int c = -1;
        int h = -1;
        int w = -1;
        int patch = -1;
        int stride = -1;
        int words = -1;
        float mean = 0;
        float std = 1;
        BowConfig.Assignment assignment = null;
        double beta = Double.NaN;
        double p = 1;
        BowConfig.Descriptor descriptor = BowConfig.Descriptor.RAW;
        String line;
        try {
            while ((line = r.readLine()) != null && !line.trim().equals("codebook")) {
                String[] t = line.trim().split("\\s+");
                switch (t[0]) {
                    case "image" -> {
                        c = Integer.parseInt(t[1]);
                        h = Integer.parseInt(t[2]);
                        w = Integer.parseInt(t[3]);
                    }
                    case "normalization" -> {
                        mean = Float.parseFloat(t[1]);
                        std = Float.parseFloat(t[2]);
                    }
                    case "patch" -> patch = Integer.parseInt(t[1]);
                    case "stride" -> stride = Integer.parseInt(t[1]);
                    case "descriptor" -> descriptor = BowConfig.Descriptor.parse(t[1]);
                    case "words" -> words = Integer.parseInt(t[1]);
                    case "assignment" -> assignment = BowConfig.Assignment.parse(t[1]);
                    case "beta" -> beta = Double.parseDouble(t[1]);
                    case "pooling" -> p = Double.parseDouble(t[1]);
                    case "" -> {
                    }
                    default -> throw new SvmFormatException("malformed SVM pipeline " + source + ": unknown line '"
                            + line.trim() + "'");
                }
            }
            if (line == null || c < 0 || patch < 0 || stride < 0 || words < 0 || assignment == null) {
                throw new SvmFormatException("malformed SVM pipeline " + source + ": the header needs image, patch,"
                        + " stride, words and assignment, then 'codebook'");
            }
            BowConfig config = new BowConfig(c, h, w, patch, stride, descriptor, words, assignment, beta, p, mean,
                    std);
            double[][] codebook = new double[words][];
            for (int d = 0; d < words; d++) {
                line = r.readLine();
                if (line == null) {
                    throw new SvmFormatException("malformed SVM pipeline " + source + ": the codebook has " + d
                            + " of " + words + " words");
                }
                String[] t = line.trim().split("\\s+");
                codebook[d] = new double[t.length];
                for (int j = 0; j < t.length; j++) {
                    codebook[d][j] = Double.parseDouble(t[j]);
                }
            }
            line = r.readLine();
            if (line == null || !line.trim().equals("svm")) {
                throw new SvmFormatException("malformed SVM pipeline " + source + ": 'svm' must follow the codebook");
            }
            SvmModel svm = LibsvmFormat.read(r, source, words);
            if (svm.width() != words) {
                throw new SvmFormatException("malformed SVM pipeline " + source + ": the SVM takes " + svm.width()
                        + " features but the pipeline has " + words + " words");
            }
            return new BowSvm(config, codebook, svm);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new SvmFormatException("malformed SVM pipeline " + source + ": a header value is missing or not a"
                    + " number");
        }
    }

    /** Writes a pipeline file (next to its final name first, then moved: never half-written). */
    static void write(BowSvm pipeline, Path file) throws IOException {
        BowConfig c = pipeline.config();
        StringWriter sw = new StringWriter();
        sw.write(MAGIC + " 1\n");
        sw.write("image " + c.channels() + " " + c.height() + " " + c.width() + "\n");
        sw.write("normalization " + c.mean() + " " + c.std() + "\n");
        sw.write("patch " + c.patch() + "\nstride " + c.stride() + "\ndescriptor " + c.descriptor().label() + "\nwords "
                + c.words() + "\n");
        sw.write("assignment " + c.assignment().label() + "\n");
        if (!Double.isNaN(c.beta())) {
            sw.write("beta " + c.beta() + "\n");
        }
        sw.write("pooling " + c.p() + "\ncodebook\n");
        for (double[] word : pipeline.codebook()) {
            StringBuilder sb = new StringBuilder();
            for (double v : word) {
                sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.9g", v));
            }
            sw.write(sb.append('\n').toString());
        }
        sw.write("svm\n");
        LibsvmFormat.write(pipeline.svm(), sw);
        writeAtomically(file, sw.toString());
    }

    /** Writes text to a temporary file beside {@code file}, then moves it into place. */
    static void writeAtomically(Path file, String text) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
