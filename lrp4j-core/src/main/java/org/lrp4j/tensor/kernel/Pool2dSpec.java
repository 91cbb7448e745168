package org.lrp4j.tensor.kernel;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.TensorShapeException;

/**
 * Hyper-parameters of 2-D max / average pooling over NCHW tensors (PyTorch / ONNX semantics). Each pad must be
 * smaller than the kernel along its axis, so every window holds at least one input cell.
 *
 * @param ceilMode        round the output size up; a last window that would start inside the bottom/right padding
 *                        is dropped, as in PyTorch
 * @param countIncludePad average pooling divides by the window clipped to the padded input instead of by the number
 *                        of real input cells in it
 */
public record Pool2dSpec(int kernelH, int kernelW, int strideH, int strideW, int padTop, int padLeft,
                         int padBottom, int padRight, boolean ceilMode, boolean countIncludePad) {

    public Pool2dSpec {
        if (kernelH < 1 || kernelW < 1) {
            throw new IllegalArgumentException("pool2d: kernel must be >= 1 but was " + kernelH + "x" + kernelW);
        }
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("pool2d: strides must be >= 1 but were (" + strideH + ", " + strideW
                    + ")");
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("pool2d: pads must be >= 0 but were (top " + padTop + ", left "
                    + padLeft + ", bottom " + padBottom + ", right " + padRight + ")");
        }
        if (padTop >= kernelH || padBottom >= kernelH || padLeft >= kernelW || padRight >= kernelW) {
            throw new IllegalArgumentException("pool2d: pads must be smaller than the kernel " + kernelH + "x"
                    + kernelW + " but were (top " + padTop + ", left " + padLeft + ", bottom " + padBottom
                    + ", right " + padRight + ")");
        }
    }

    /** Square kernel, stride and symmetric padding; floor mode, padding not counted. */
    public static Pool2dSpec of(int kernel, int stride, int pad) {
        return new Pool2dSpec(kernel, kernel, stride, stride, pad, pad, pad, pad, false, false);
    }

    public Pool2dSpec withCeilMode(boolean c) {
        return new Pool2dSpec(kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, c,
                countIncludePad);
    }

    public Pool2dSpec withCountIncludePad(boolean c) {
        return new Pool2dSpec(kernelH, kernelW, strideH, strideW, padTop, padLeft, padBottom, padRight, ceilMode,
                c);
    }

    /** {@code [N, C, OH, OW]} for an input {@code [N, C, H, W]}. */
    public Shape outputShape(Shape input) {
        return outputShape("pool2d", input);
    }

    Shape outputShape(String op, Shape input) {
        if (input.rank() != 4) {
            throw new TensorShapeException(op + ": input must have rank 4 [N, C, H, W] but has shape " + input);
        }
        if (input.dim(2) < 1 || input.dim(3) < 1) {
            throw new TensorShapeException(op + ": input height and width must be >= 1 but input has shape " + input);
        }
        int oh = outSize(input.dim(2), kernelH, strideH, padTop, padBottom);
        int ow = outSize(input.dim(3), kernelW, strideW, padLeft, padRight);
        if (oh < 1 || ow < 1) {
            throw new TensorShapeException(op + ": kernel " + kernelH + "x" + kernelW + " must fit the padded input "
                    + ((long) input.dim(2) + padTop + padBottom) + "x" + ((long) input.dim(3) + padLeft + padRight)
                    + " but input has shape " + input + " (output would be " + oh + "x" + ow + ")");
        }
        return Shape.of(input.dim(0), input.dim(1), oh, ow);
    }

    private int outSize(int in, int k, int stride, int padA, int padB) {
        long span = (long) in + padA + padB - k;
        if (span < 0) {
            return 0;
        }
        long out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
        if (ceilMode && (out - 1) * stride >= (long) in + padA) {
            out--;
        }
        return (int) out;
    }
}
