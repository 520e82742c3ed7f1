package io.dl4jdms.layers;

import io.dl4jdms.spnas.ChannelGroups;
import io.dl4jdms.spnas.KernelShells;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LayerValidation;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;

/**
 * A depthwise convolution whose kernel size and expansion ratio are searched (Single-Path NAS,
 * Stamoulis et al. 2019): a drop-in for DL4J's {@link DepthwiseConvolution2D} (depth multiplier 1)
 * holding one superkernel of the largest candidate size.
 *
 * <ul>
 *   <li>Kernel size: {@code w = w_core + d_1 * (w_shell1 + d_2 * (w_shell2 + ...))}, each shell switched on
 *       by {@code d_j = 1(||w_shell_j|| - t_k[j] >= 0)} (Frobenius norm over all channels).</li>
 *   <li>Expansion ratio: the {@code nIn} channels (the expanded channels of an inverted-residual block,
 *       built for the largest ratio) fall into one group per ratio; group {@code i >= 1} is gated by
 *       {@code 1(||w_group_i|| - t_e >= 0)} (norm of the kernel-chosen weights), nested. With
 *       {@link Builder#residualBlock(boolean) residualBlock(true)} group 0 is gated too and switching it
 *       off is the skip op: the layer outputs zeros.</li>
 *   <li>Forward: the hard step; backward: the sigmoid's derivative (straight-through) into the thresholds.
 *       The weights get the exact gradient of the hard-gated network.
 *       {@link Builder#relaxed(boolean) relaxed(true)} uses the sigmoid in the forward pass as well and
 *       back-propagates exactly (also through the norms into the weights): the mode in which a finite
 *       difference check sees the thresholds.</li>
 * </ul>
 *
 * <p>The output is {@code gate * activation(batchNorm(depthwise(x, w) + b))}, batch normalisation being
 * optional ({@link Builder#batchNorm(boolean)}): the channel gates come after the normalisation so no
 * normalisation turns a switched-off channel back on, and the network with hard indicators computes
 * exactly what the exported network (a stock {@code DepthwiseConvolution2D} of the chosen size on the kept
 * channels) computes.
 *
 * <pre>{@code
 * new SuperkernelDepthwise.Builder().kernelSizes(3, 5, 7).expansionRatios(3, 6).residualBlock(true)
 *         .convolutionMode(ConvolutionMode.Same).batchNorm(true).activation(Activation.RELU6)
 *         .hasBias(false).build()
 * }</pre>
 *
 * <p>Parameters: {@code W} and {@code b} as in DL4J ({@code W} is the superkernel, layout
 * {@code [k, k, nIn, 1]}); {@code gamma, beta, mean, var} with batch normalisation;
 * {@code kernelThresholds} (one per shell beyond the smallest kernel) and {@code expansionThresholds}
 * (one per gated group, the skip gate first), both initialised to 0, with their own updater and never
 * regularised.
 */
public class SuperkernelDepthwise extends DepthwiseConvolution2D {

    /** The default updater of the thresholds: Adam with this learning rate. */
    public static final double DEFAULT_THRESHOLD_LEARNING_RATE = 0.01;

    private int[] kernelSizes;
    private double[] expansionRatios;
    private boolean residualBlock;
    private boolean relaxed;
    private IUpdater thresholdUpdater;
    private boolean batchNorm;
    private double batchNormDecay;
    private double batchNormEpsilon;

    /** For JSON deserialisation. */
    protected SuperkernelDepthwise() {
    }

    protected SuperkernelDepthwise(Builder builder) {
        super(builder.toDepthwiseBuilder());
        this.kernelSizes = builder.kernelSizes.clone();
        this.expansionRatios = builder.expansionRatios == null ? null : builder.expansionRatios.clone();
        this.residualBlock = builder.residualBlock;
        this.relaxed = builder.relaxed;
        this.thresholdUpdater = builder.thresholdUpdater;
        this.batchNorm = builder.batchNorm;
        this.batchNormDecay = builder.batchNormDecay;
        this.batchNormEpsilon = builder.batchNormEpsilon;
        validate();
        // DL4J's constructors ran this before our fields were set: once more, now that the keys are known.
        initializeConstraints(builder);
    }

    /** The candidate kernel sizes, ascending; the superkernel has the largest. */
    public int[] getKernelSizes() {
        return kernelSizes.clone();
    }

    /** The candidate expansion ratios, ascending; {@code nIn} channels stand for the largest. */
    public double[] getExpansionRatios() {
        return expansionRatios.clone();
    }

    /** Whether the block has a residual connection (stride 1), which makes the skip op a choice. */
    public boolean isResidualBlock() {
        return residualBlock;
    }

    /** Whether the forward pass uses the sigmoid relaxation instead of the hard step. */
    public boolean isRelaxed() {
        return relaxed;
    }

    /** The updater of the thresholds (never regularised). */
    public IUpdater getThresholdUpdater() {
        return thresholdUpdater;
    }

    /** Whether the layer normalises each channel before the activation and the gates. */
    public boolean isBatchNorm() {
        return batchNorm;
    }

    public double getBatchNormDecay() {
        return batchNormDecay;
    }

    public double getBatchNormEpsilon() {
        return batchNormEpsilon;
    }

    /** The number of kernel thresholds: one per candidate size beyond the smallest. */
    public int kernelThresholdCount() {
        return kernelSizes.length - 1;
    }

    /** The number of expansion thresholds: one per ratio beyond the smallest, plus the skip gate. */
    public int expansionThresholdCount() {
        return expansionRatios.length - 1 + (residualBlock ? 1 : 0);
    }

    /**
     * The search space over this layer's {@code nIn} channels.
     *
     * @throws IllegalStateException while {@code nIn} is not known
     */
    public SuperkernelSpace searchSpace() {
        if (nIn <= 0) {
            throw new IllegalStateException(where() + ": nIn is not set yet");
        }
        validateChannels(nIn);
        return new SuperkernelSpace(new KernelShells(kernelSizes), new ChannelGroups((int) nIn, expansionRatios),
                residualBlock);
    }

    /**
     * Seen by DL4J's convolution code, the activation is the identity (null while not set, so network-wide
     * defaults still apply): the real one, {@link #getOutputActivation()}, comes after the normalisation.
     */
    @Override
    @JsonIgnore
    public IActivation getActivationFn() {
        return activationFn == null ? null : new ActivationIdentity();
    }

    /** The activation applied after the optional normalisation and before the channel gates. */
    @JsonProperty("activationFn")
    public IActivation getOutputActivation() {
        return activationFn;
    }

    @Override
    @JsonProperty("activationFn")
    public void setActivationFn(IActivation activationFn) {
        this.activationFn = activationFn;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        super.setNIn(inputType, override);
        validateChannels(nIn);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (SuperkernelParamInitializer.isThreshold(paramName)) {
            return thresholdUpdater;
        }
        if (TopkParamInitializer.isNormStatistic(paramName)) {
            return new NoOp();
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public ParamInitializer initializer() {
        return SuperkernelParamInitializer.getInstance();
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
            Collection<TrainingListener> trainingListeners, int layerIndex, INDArray layerParamsView,
            boolean initializeParams, DataType networkDataType) {
        LayerValidation.assertNInNOutSet("SuperkernelDepthwise", getLayerName(), layerIndex, getNIn(), getNOut());
        validateChannels(nIn);
        return LayerSupport.instantiate(new io.dl4jdms.layers.impl.SuperkernelDepthwise(conf, networkDataType), initializer(), conf,
                trainingListeners, layerIndex, layerParamsView, initializeParams);
    }

    @Override
    public SuperkernelDepthwise clone() {
        SuperkernelDepthwise clone = (SuperkernelDepthwise) super.clone();
        clone.kernelSizes = kernelSizes.clone();
        clone.expansionRatios = expansionRatios.clone();
        clone.thresholdUpdater = thresholdUpdater.clone();
        return clone;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SuperkernelDepthwise) || !super.equals(o)) {
            return false;
        }
        SuperkernelDepthwise other = (SuperkernelDepthwise) o;
        return Arrays.equals(kernelSizes, other.kernelSizes) && Arrays.equals(expansionRatios, other.expansionRatios)
                && residualBlock == other.residualBlock && relaxed == other.relaxed
                && Objects.equals(thresholdUpdater, other.thresholdUpdater) && batchNorm == other.batchNorm
                && Double.compare(batchNormDecay, other.batchNormDecay) == 0
                && Double.compare(batchNormEpsilon, other.batchNormEpsilon) == 0
                && Objects.equals(activationFn, other.activationFn);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hash(Arrays.hashCode(kernelSizes), Arrays.hashCode(expansionRatios),
                residualBlock, relaxed, thresholdUpdater, batchNorm, batchNormDecay, batchNormEpsilon, activationFn);
    }

    private String where() {
        return LayerSupport.where("SuperkernelDepthwise", layerName);
    }

    private void validate() {
        String problem = KernelShells.problem(kernelSizes);
        if (problem != null) {
            throw new IllegalArgumentException(where() + ": " + problem);
        }
        problem = ChannelGroups.problem(Integer.MAX_VALUE, expansionRatios);
        if (problem != null) {
            throw new IllegalArgumentException(where() + ": " + problem);
        }
        if (residualBlock && (stride[0] != 1 || stride[1] != 1)) {
            throw new IllegalArgumentException(where() + ": residualBlock(true) makes the skip op a choice, which "
                    + "needs stride 1 (a strided block has no residual connection), got stride " + Arrays.toString(stride));
        }
        if (thresholdUpdater == null) {
            throw new IllegalArgumentException(where() + ": thresholdUpdater must not be null");
        }
        LayerSupport.validateBatchNorm(where(), batchNormDecay, batchNormEpsilon);
        if (nIn > 0) {
            validateChannels(nIn);
        }
    }

    private void validateChannels(long channels) {
        String problem = ChannelGroups.problem(channels, expansionRatios);
        if (problem != null) {
            throw new IllegalArgumentException(where() + " with nIn " + channels + ": " + problem);
        }
    }

    /** Builds a {@link SuperkernelDepthwise}; every option of DL4J's convolution builders is here too. */
    public static class Builder extends SearchableConvBuilder<Builder> {

        private int[] kernelSizes = {3, 5};
        private double[] expansionRatios = {3, 6};
        private boolean residualBlock;
        private boolean relaxed;
        private IUpdater thresholdUpdater = new Adam(DEFAULT_THRESHOLD_LEARNING_RATE);
        private boolean batchNorm;
        private double batchNormDecay = TopkOptions.DEFAULT_BATCH_NORM_DECAY;
        private double batchNormEpsilon = TopkOptions.DEFAULT_BATCH_NORM_EPSILON;

        public Builder() {
            super();
        }

        /** The candidate kernel sizes: odd, strictly increasing; default 3, 5. The superkernel has the largest. */
        public Builder kernelSizes(int... sizes) {
            this.kernelSizes = sizes == null ? null : sizes.clone();
            return this;
        }

        /**
         * The candidate expansion ratios: positive, strictly increasing; default 3, 6. The layer's {@code nIn}
         * channels are those of the largest ratio; ratio {@code e} keeps the first {@code round(nIn * e / max)}.
         * A single ratio searches the kernel size only.
         */
        public Builder expansionRatios(double... ratios) {
            this.expansionRatios = ratios == null ? null : ratios.clone();
            return this;
        }

        /**
         * The block this layer belongs to has a residual connection (and stride 1): the skip op becomes a
         * choice (gate {@code d_50} of the paper; off means the layer outputs zeros). Default false.
         */
        public Builder residualBlock(boolean residualBlock) {
            this.residualBlock = residualBlock;
            return this;
        }

        /**
         * The sigmoid instead of the hard step in the forward pass, with exact gradients: for gradient
         * checks and for studying the relaxation; searches run with the default, false.
         */
        public Builder relaxed(boolean relaxed) {
            this.relaxed = relaxed;
            return this;
        }

        /** The updater of the thresholds; default {@code Adam(0.01)}. */
        public Builder thresholdUpdater(IUpdater updater) {
            this.thresholdUpdater = updater;
            return this;
        }

        /** Built-in batch normalisation between the convolution and the activation; default off. */
        public Builder batchNorm(boolean batchNorm) {
            this.batchNorm = batchNorm;
            return this;
        }

        /** Decay of the built-in normalisation's running statistics, in (0, 1); default 0.9. */
        public Builder batchNormDecay(double decay) {
            this.batchNormDecay = decay;
            return this;
        }

        /** Epsilon added to the variance by the built-in normalisation; default 1e-5. */
        public Builder batchNormEpsilon(double epsilon) {
            this.batchNormEpsilon = epsilon;
            return this;
        }

        /** Not an option: the kernel size is the largest of {@link #kernelSizes(int...)}. */
        @Override
        public void setKernelSize(int... kernelSize) {
            throw new UnsupportedOperationException("SuperkernelDepthwise: set the candidate sizes with "
                    + "kernelSizes(...); the superkernel has the largest");
        }

        @Override
        @SuppressWarnings("unchecked")
        public SuperkernelDepthwise build() {
            String problem = KernelShells.problem(kernelSizes);
            if (problem != null) {
                throw new IllegalArgumentException(LayerSupport.where("SuperkernelDepthwise", layerName) + ": "
                        + problem);
            }
            int size = kernelSizes[kernelSizes.length - 1];
            this.kernelSize = new int[] {size, size};
            validateGeometry();
            return new SuperkernelDepthwise(this);
        }

        /**
         * The same settings as a {@code DepthwiseConvolution2D.Builder}, whose constructor DL4J's
         * {@code DepthwiseConvolution2D} requires. Every field of DL4J's builder classes is copied (there are
         * some thirty, and copying them one by one would silently drop any we forgot); the constraints are
         * left out and applied once our own fields are set.
         */
        private DepthwiseConvolution2D.Builder toDepthwiseBuilder() {
            DepthwiseConvolution2D.Builder copy = new DepthwiseConvolution2D.Builder();
            Class<?>[] owners = {Layer.Builder.class, BaseLayer.Builder.class, FeedForwardLayer.Builder.class,
                    ConvolutionLayer.BaseConvBuilder.class};
            try {
                for (Class<?> owner : owners) {
                    for (Field field : owner.getDeclaredFields()) {
                        if (!Modifier.isStatic(field.getModifiers())) {
                            field.setAccessible(true);
                            field.set(copy, field.get(this));
                        }
                    }
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("SuperkernelDepthwise: cannot copy the builder's settings", e);
            }
            copy.setAllParamConstraints(null);
            copy.setWeightConstraints(null);
            copy.setBiasConstraints(null);
            copy.setDepthMultiplier(1);
            copy.dataFormat(dataFormat);
            return copy;
        }
    }
}
