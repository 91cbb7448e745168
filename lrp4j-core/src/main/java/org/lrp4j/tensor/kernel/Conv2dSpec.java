package org.lrp4j.tensor.kernel;

import org.lrp4j.tensor.Shape;
import org.lrp4j.tensor.TensorShapeException;

/**
 * Hyper-parameters of a 2-D convolution over NCHW tensors (PyTorch / ONNX semantics): strides, zero padding on
 * each side (may be asymmetric), dilation and groups. The weight has shape {@code [Cout, C / groups, kH, kW]}.
 */
public record Conv2dSpec(int strideH, int strideW, int padTop, int padLeft, int padBottom, int padRight,
                         int dilationH, int dilationW, int groups) {

    public Conv2dSpec {
        if (strideH < 1 || strideW < 1) {
            throw new IllegalArgumentException("conv2d: strides must be >= 1 but were (" + strideH + ", " + strideW
                    + ")");
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("conv2d: pads must be >= 0 but were (top " + padTop + ", left "
                    + padLeft + ", bottom " + padBottom + ", right " + padRight + ")");
        }
        if (dilationH < 1 || dilationW < 1) {
            throw new IllegalArgumentException("conv2d: dilations must be >= 1 but were (" + dilationH + ", "
                    + dilationW + ")");
        }
        if (groups < 1) {
            throw new IllegalArgumentException("conv2d: groups must be >= 1 but was " + groups);
        }
    }

    /** Stride and symmetric padding, dilation 1, one group. */
    public static Conv2dSpec of(int stride, int pad) {
        return of(stride, pad, 1, 1);
    }

    /** Same stride, padding and dilation along both axes. */
    public static Conv2dSpec of(int stride, int pad, int dilation, int groups) {
        return new Conv2dSpec(stride, stride, pad, pad, pad, pad, dilation, dilation, groups);
    }

    /**
     * The output shape {@code [N, Cout, OH, OW]} of a convolution of {@code input} ({@code [N, C, H, W]}) with a
     * weight of shape {@code [Cout, C / groups, kH, kW]}. Throws {@link TensorShapeException} naming "conv2d".
     */
    public Shape outputShape(Shape input, Shape weight) {
        String op = "conv2d";
        if (input.rank() != 4) {
            throw new TensorShapeException(op + ": input must have rank 4 [N, C, H, W] but has shape " + input);
        }
        if (weight.rank() != 4) {
            throw new TensorShapeException(op + ": weight must have rank 4 [Cout, C/groups, kH, kW] but has shape "
                    + weight);
        }
        int cout = weight.dim(0);
        if (cout % groups != 0) {
            throw new TensorShapeException(op + ": output channels must be divisible by groups " + groups
                    + " but weight has shape " + weight);
        }
        long expectC = (long) weight.dim(1) * groups;
        if (input.dim(1) != expectC) {
            throw new TensorShapeException(op + ": input channels must be " + expectC + " (weight " + weight
                    + " with groups " + groups + ") but input has shape " + input);
        }
        int kh = weight.dim(2);
        int kw = weight.dim(3);
        if (kh < 1 || kw < 1 || weight.dim(1) < 1) {
            throw new TensorShapeException(op + ": weight dimensions must be >= 1 but weight has shape " + weight);
        }
        int oh = outSize(input.dim(2), kh, strideH, padTop, padBottom, dilationH);
        int ow = outSize(input.dim(3), kw, strideW, padLeft, padRight, dilationW);
        if (oh < 1 || ow < 1) {
            throw new TensorShapeException(op + ": effective kernel " + ((long) dilationH * (kh - 1) + 1) + "x"
                    + ((long) dilationW * (kw - 1) + 1) + " (weight " + weight + ", dilation " + dilationH + "x"
                    + dilationW + ") must fit the padded input " + ((long) input.dim(2) + padTop + padBottom) + "x"
                    + ((long) input.dim(3) + padLeft + padRight) + " but input has shape " + input
                    + " (output would be " + oh + "x" + ow + ")");
        }
        return Shape.of(input.dim(0), cout, oh, ow);
    }

    private static int outSize(int in, int k, int stride, int padA, int padB, int dilation) {
        long span = (long) in + padA + padB - (long) dilation * (k - 1) - 1;
        if (span < 0) {
            return 0;
        }
        return (int) (span / stride + 1);
    }
}
