package io.dl4jdms.layers.impl;

import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.layers.SuperkernelParamInitializer;
import io.dl4jdms.layers.TopkParamInitializer;
import io.dl4jdms.spnas.NestedIndicators;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The implementation of {@link io.dl4jdms.layers.SuperkernelDepthwise}: DL4J's depthwise convolution run with the effective
 * kernel {@code W * P} (the superkernel with its switched-off shells zeroed), followed by the
 * {@link OutputStage} (normalisation, activation, channel-group mask). Backward, DL4J's
 * depthwise backprop gives {@code dL/d(W P)}, which {@link SuperkernelState#backprop} turns into
 * {@code dL/dW} and the thresholds' gradients.
 */
public class SuperkernelDepthwise extends DepthwiseConvolution2DLayer implements SuperkernelOperator {

    /** The state of the latest convolution (forward, or the start of backprop). */
    private SuperkernelState state;
    private final PreOutputHandoff handoff = new PreOutputHandoff();
    /** The training pass the forward pass kept for backprop, and the state it ran with. */
    private final OutputStage.KeptPass kept = new OutputStage.KeptPass();
    private SuperkernelState passState;

    public SuperkernelDepthwise(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
        io.dl4jdms.layers.OneDnn.logStatusOnce();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray z = preOutput(training, false, workspaceMgr).getFirst();
        INDArray mask = state.channelMask(z.dataType());
        if (training && OutputStage.fastPath(z)) {
            OutputStage.Pass pass = OutputStage.train(z, mask, outputSettings(), this::vector,
                    (type, shape) -> workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, type, shape, 'c'));
            kept.keep(input, pass);
            passState = state;
            return pass.output();
        }
        kept.forget();
        return OutputStage.activate(z, training, mask, outputSettings(), this::vector);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        OutputStage.Pass pass = kept.take(input);
        Pair<INDArray, INDArray> preOutput;
        SuperkernelState current;
        OutputStage.Backprop stage;
        if (pass != null) {
            // The forward pass's state: the convolution ran with its effective kernel.
            current = state = passState;
            preOutput = new Pair<>(pass.z(), null);
            stage = OutputStage.backprop(pass, epsilon, current.channelMask(pass.z().dataType()), outputSettings(),
                    this::vector, key -> gradientViews.get(key));
        } else {
            preOutput = preOutput(true, true, workspaceMgr);
            current = state;
            INDArray z = preOutput.getFirst();
            stage = OutputStage.backprop(z.dup(z.ordering()), epsilon, current.channelMask(z.dataType()),
                    outputSettings(), this::vector, key -> gradientViews.get(key));
        }
        passState = null;
        Pair<Gradient, INDArray> result = handoff.during(preOutput,
                () -> super.backpropGradient(stage.epsilonZ(), workspaceMgr));

        SuperkernelSpace space = current.space;
        double[] kernelThresholdGradient = new double[space.kernelThresholdCount()];
        double[] expansionThresholdGradient = new double[space.expansionThresholdCount()];
        current.backprop(gradientViews.get(SuperkernelParamInitializer.WEIGHT_KEY),
                space.groups().sumPerGroup(stage.maskGradient()), kernelThresholdGradient, expansionThresholdGradient);
        Gradient gradient = result.getFirst();
        putThresholdGradient(gradient, SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY, kernelThresholdGradient);
        putThresholdGradient(gradient, SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY, expansionThresholdGradient);
        if (superkernelConf().isBatchNorm()) {
            for (String key : new String[] {TopkParamInitializer.GAMMA_KEY, TopkParamInitializer.BETA_KEY,
                    TopkParamInitializer.MEAN_KEY, TopkParamInitializer.VAR_KEY}) {
                gradient.setGradientFor(key, gradientViews.get(key));
            }
        }
        return result;
    }

    /** The convolution runs with the effective kernel {@code W * P} in place of {@code W}. */
    @Override
    protected INDArray getParamWithNoise(String param, boolean training, LayerWorkspaceMgr workspaceMgr) {
        INDArray p = super.getParamWithNoise(param, training, workspaceMgr);
        if (!SuperkernelParamInitializer.WEIGHT_KEY.equals(param)) {
            return p;
        }
        if (!handoff.isActive() || state == null) {
            state = SuperkernelState.of(searchSpace(), p, thresholds(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY),
                    thresholds(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY), superkernelConf().isRelaxed());
        }
        return state.effectiveKernel;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutput4d(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
        Pair<INDArray, INDArray> handed = handoff.forBackprop(forBackprop);
        return handed != null ? handed : super.preOutput4d(training, forBackprop, workspaceMgr);
    }

    @Override
    public boolean updaterDivideByMinibatch(String paramName) {
        return !TopkParamInitializer.isNormStatistic(paramName);
    }

    @Override
    public String operatorName() {
        return superkernelConf().getLayerName();
    }

    @Override
    public SuperkernelSpace searchSpace() {
        return superkernelConf().searchSpace();
    }

    @Override
    public NestedIndicators kernelIndicators() {
        return currentState(superkernelConf().isRelaxed()).kernel;
    }

    @Override
    public NestedIndicators expansionIndicators() {
        return currentState(superkernelConf().isRelaxed()).expansion;
    }

    @Override
    public SuperkernelChoice choice() {
        SuperkernelState hard = currentState(false);
        return searchSpace().choice(hard.kernel, hard.expansion);
    }

    @Override
    public ThresholdGradients thresholdGradients(double[] kernelProductGradient, double[] groupMaskGradient) {
        SuperkernelState current = currentState(superkernelConf().isRelaxed());
        double[] kernel = new double[current.space.kernelThresholdCount()];
        double[] expansion = new double[current.space.expansionThresholdCount()];
        current.thresholdGradients(kernelProductGradient, groupMaskGradient, kernel, expansion);
        return new ThresholdGradients(kernel, expansion);
    }

    @Override
    public INDArray thresholdGradientView(String key) {
        return SuperkernelParamInitializer.isThreshold(key) ? gradientViews.get(key) : null;
    }

    /** The output stage's settings: the layer's normalisation and activation, the channels' axis. */
    private OutputStage.Settings outputSettings() {
        io.dl4jdms.layers.SuperkernelDepthwise conf = superkernelConf();
        return new OutputStage.Settings(conf.isBatchNorm(), conf.getBatchNormEpsilon(), conf.getBatchNormDecay(),
                conf.getOutputActivation(), conf.getCnn2dDataFormat() == CNN2DFormat.NHWC ? 3 : 1);
    }

    private INDArray vector(String key) {
        return OutputStage.vector(getParam(key));
    }

    private io.dl4jdms.layers.SuperkernelDepthwise superkernelConf() {
        return (io.dl4jdms.layers.SuperkernelDepthwise) conf.getLayer();
    }

    private SuperkernelState currentState(boolean relaxed) {
        return SuperkernelState.of(searchSpace(), getParam(SuperkernelParamInitializer.WEIGHT_KEY),
                thresholds(SuperkernelParamInitializer.KERNEL_THRESHOLDS_KEY),
                thresholds(SuperkernelParamInitializer.EXPANSION_THRESHOLDS_KEY), relaxed);
    }

    private double[] thresholds(String key) {
        INDArray view = params.get(key);
        return view == null ? new double[0] : view.toDoubleVector();
    }

    private void putThresholdGradient(Gradient gradient, String key, double[] values) {
        INDArray view = gradientViews.get(key);
        if (view == null) {
            return;
        }
        for (int i = 0; i < values.length; i++) {
            view.putScalar(i, values[i]);
        }
        gradient.setGradientFor(key, view);
    }
}
