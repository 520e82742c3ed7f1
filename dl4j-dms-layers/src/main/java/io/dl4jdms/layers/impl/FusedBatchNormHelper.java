package io.dl4jdms.layers.impl;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's oneDNN helper of the stock {@code BatchNormalization} layer with the training pass and its backprop as
 * {@link FusedBatchNorm}'s two-pass kernels (NCHW, float, gamma and beta learned): libnd4j's {@code batchnorm_bp}
 * makes about ten passes over the activations on these calls. Inference, NHWC and anything the kernels cannot read
 * in place run DL4J's oneDNN helper as before. Installed per network by {@link io.dl4jdms.layers.FusedNormalization}.
 */
public class FusedBatchNormHelper extends MKLDNNBatchNormHelper {

    private INDArray batchMean;
    private INDArray batchVariance;
    /** Whether the latest training pass ran the kernels (its statistics are then this helper's, not the parent's). */
    private boolean fusedPass;

    public FusedBatchNormHelper(DataType dataType) {
        super(dataType);
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format,
                              LayerWorkspaceMgr workspaceMgr) {
        if (training) {
            // An inference pass in between leaves the latest training pass's statistics, as DL4J's helper does.
            fusedPass = false;
        }
        if (training && gamma != null && beta != null && format != CNN2DFormat.NHWC && FusedBatchNorm.supports(x)) {
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
            if (FusedBatchNorm.supports(out)) {
                long channels = x.size(1);
                if (batchMean == null || batchMean.length() != channels) {
                    try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                        batchMean = Nd4j.create(x.dataType(), channels);
                        batchVariance = Nd4j.create(x.dataType(), channels);
                    }
                }
                FusedBatchNorm.forward(x, gamma, beta, null, eps, false, batchMean, batchVariance, null, out);
                fusedPass = true;
                return out;
            }
        }
        return super.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (fusedPass && gamma != null && dGammaView != null && FusedBatchNorm.supports(input)) {
            INDArray e = FusedBatchNorm.supports(epsilon) ? epsilon : epsilon.dup('c');
            INDArray epsAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(),
                    input.shape(), 'c');
            if (FusedBatchNorm.supports(e) && FusedBatchNorm.supports(epsAtInput)) {
                FusedBatchNorm.backward(input, null, e, null, gamma, batchMean, batchVariance, eps, false, epsAtInput,
                        dGammaView, dBetaView);
                Gradient g = new DefaultGradient();
                g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
                g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
                return new Pair<>(g, epsAtInput);
            }
        }
        if (fusedPass) {
            throw new IllegalStateException("batch normalisation: the training pass ran the fused kernels but its"
                    + " backprop cannot (input " + java.util.Arrays.toString(input.shape()) + ")");
        }
        return super.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                workspaceMgr);
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return fusedPass ? batchMean : super.getMeanCache(dataType);
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return fusedPass ? batchVariance : super.getVarCache(dataType);
    }
}
