package org.lrp4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import org.lrp4j.io.Npy;
import org.lrp4j.io.NpyArray;
import org.lrp4j.tensor.Tensor;

/**
 * Reads the {@code .npy} files that hold model inputs ({@code --input}, {@code --baseline}). Unlike
 * {@link Npy#readTensor}, which converts every numeric dtype, a model input must be floating point: an int64, uint8 or
 * bool array is almost always raw pixels or a mask saved by mistake, and converting it would explain the wrong input
 * without a word. Empty batches and NaN or infinite values are refused too, since they give no or NaN explanations.
 */
final class InputFiles {
    private InputFiles() {
    }

    /** Reads a float32/float64 batch {@code [N, ...]} with N >= 1 and finite values; {@code option} names the flag. */
    static Tensor readModelInput(Path path, String option) throws IOException {
        NpyArray a = Npy.read(path);
        String dtype = a.dtype();
        if (!dtype.equals(NpyArray.FLOAT32) && !dtype.equals(NpyArray.FLOAT64)) {
            throw new IllegalArgumentException(option + " " + path + " holds " + describe(dtype) + " values; a model"
                    + " input must be float32 or float64, normalised as in training (save it with"
                    + " x.astype('float32'))");
        }
        int[] shape = a.shape();
        if (shape.length >= 1 && shape[0] == 0) {
            throw new IllegalArgumentException(option + " " + path + " holds no rows (shape "
                    + Arrays.toString(shape) + "); give at least one input");
        }
        Tensor t = a.toTensor();
        float[] v = t.data();
        int bad = 0;
        int first = -1;
        for (int i = 0; i < t.size(); i++) {
            if (!Float.isFinite(v[t.offset() + i])) {
                if (first < 0) {
                    first = i;
                }
                bad++;
            }
        }
        if (bad > 0) {
            throw new IllegalArgumentException(option + " " + path + " holds " + bad + " NaN or infinite value(s)"
                    + " (the first at flat index " + first + "); every explanation of them would be NaN");
        }
        return t;
    }

    private static String describe(String dtype) {
        return switch (dtype) {
            case NpyArray.INT64 -> "int64";
            case NpyArray.INT32 -> "int32";
            case NpyArray.UINT8 -> "uint8";
            case NpyArray.INT8 -> "int8";
            case NpyArray.BOOL -> "bool";
            default -> dtype;
        };
    }
}
