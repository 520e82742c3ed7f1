package io.dl4jdms.layers.impl;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/** The implementation of {@link io.dl4jdms.layers.WidthMaskVertex}: multiplies each channel of the stream by its mask value. */
public class WidthMaskVertex extends ParameterlessVertex {

    private final CNN2DFormat format;

    public WidthMaskVertex(ComputationGraph graph, String name, int vertexIndex, CNN2DFormat format,
                               DataType dataType) {
        super(graph, name, vertexIndex, dataType, "WidthMaskVertex");
        this.format = format;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        requireInputs();
        INDArray x = inputs[0];
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
        if (fused(x, inputs[1], out)) {
            FusedMasks.widthMaskForward(x, inputs[1], out);
            return out;
        }
        Nd4j.exec(new MulOp(x, broadcastable(inputs[1], x), out));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        requireEpsilon();
        INDArray x = inputs[0];
        INDArray mask = inputs[1];
        INDArray epsilonX = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                epsilon.shape(), 'c');
        // dL/dmask[n, c] = sum over the positions of eps * x: one dot product per example and channel.
        INDArray epsilonMask = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, mask.dataType(),
                mask.shape(), 'c');
        if (fused(x, mask, epsilon, epsilonX, epsilonMask)) {
            FusedMasks.widthMaskBackward(epsilon, x, mask, epsilonX, epsilonMask);
            return new Pair<>(null, new INDArray[] {epsilonX, epsilonMask});
        }
        Nd4j.exec(new MulOp(epsilon, broadcastable(mask, x), epsilonX));
        if (x.rank() == 2) {
            Nd4j.exec(new MulOp(epsilon, x, epsilonMask));
        } else {
            ProductSums.sumOfProducts(epsilon, x, epsilonMask, format == CNN2DFormat.NHWC ? new int[] {1, 2} : new int[] {2, 3});
        }
        return new Pair<>(null, new INDArray[] {epsilonX, epsilonMask});
    }

    /** Whether {@link FusedMasks} takes the pass: channels on axis 1 (NCHW or {@code [N, C]}), arrays in place. */
    private boolean fused(INDArray... arrays) {
        return (arrays[0].rank() == 2 || format != CNN2DFormat.NHWC) && FusedMasks.applies(arrays);
    }

    /** The mask {@code [batch, C]} reshaped so it broadcasts over the stream's other axes. */
    private INDArray broadcastable(INDArray mask, INDArray x) {
        if (x.rank() == 2) {
            return mask;
        }
        long batch = mask.size(0);
        long channels = mask.size(1);
        return format == CNN2DFormat.NHWC ? mask.reshape(batch, 1, 1, channels) : mask.reshape(batch, channels, 1, 1);
    }

    @Override
    public String toString() {
        return "WidthMaskVertex(name=\"" + vertexName + "\", format=" + format + ")";
    }
}
