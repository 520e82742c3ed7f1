package io.dl4jdms.layers;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.util.ConvolutionUtils;
import org.deeplearning4j.util.ValidationUtils;

/**
 * What the builders of this package's 2D convolutions ({@link TopkConv.Builder},
 * {@link SuperkernelDepthwise.Builder}) add to DL4J's convolution builder: the data format, no causal
 * mode, and two non-negative values for stride, padding and dilation (as in DL4J's
 * {@code ConvolutionLayer.Builder}).
 *
 * @param <T> the concrete builder, returned by every option
 */
abstract class SearchableConvBuilder<T extends SearchableConvBuilder<T>> extends ConvolutionLayer.BaseConvBuilder<T> {

    /** The data format of the activations in and out. */
    CNN2DFormat dataFormat = CNN2DFormat.NCHW;

    SearchableConvBuilder(int[] kernelSize, int[] stride, int[] padding) {
        super(kernelSize, stride, padding);
    }

    SearchableConvBuilder(int[] kernelSize, int[] stride) {
        super(kernelSize, stride);
    }

    SearchableConvBuilder(int... kernelSize) {
        super(kernelSize);
    }

    SearchableConvBuilder() {
        super();
    }

    @Override
    protected boolean allowCausal() {
        return false;
    }

    /** Data format of the activations in and out: NCHW (default) or NHWC. */
    @SuppressWarnings("unchecked")
    public T dataFormat(CNN2DFormat format) {
        this.dataFormat = format;
        return (T) this;
    }

    @Override
    public void setStride(int... stride) {
        this.stride = ValidationUtils.validate2NonNegative(stride, false, "stride");
    }

    @Override
    public void setPadding(int... padding) {
        this.padding = ValidationUtils.validate2NonNegative(padding, false, "padding");
    }

    @Override
    public void setDilation(int... dilation) {
        this.dilation = ValidationUtils.validate2NonNegative(dilation, false, "dilation");
    }

    /** Checks the padding against the convolution mode, and the kernel size, stride and padding. */
    void validateGeometry() {
        ConvolutionUtils.validateConvolutionModePadding(convolutionMode, padding);
        ConvolutionUtils.validateCnnKernelStridePadding(kernelSize, stride, padding);
    }
}
