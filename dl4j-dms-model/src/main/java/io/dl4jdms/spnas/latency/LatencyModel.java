package io.dl4jdms.spnas.latency;

import io.dl4jdms.latency.CandidateLatencyTable;
import io.dl4jdms.layers.SuperkernelOperator;
import io.dl4jdms.spnas.LayerRuntimeModel;
import io.dl4jdms.spnas.NestedIndicators;
import io.dl4jdms.spnas.SuperkernelChoice;
import io.dl4jdms.spnas.SuperkernelSpace;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The differentiable runtime of a network of {@link io.dl4jdms.layers.SuperkernelDepthwise} layers,
 * built on a {@link CandidateLatencyTable}: {@code R = fixed + scale * sum_l R_l(d)}, each {@code R_l} a
 * {@link LayerRuntimeModel} of the layer's measured candidates (the table form by default), with
 * {@code dR/dt} for every threshold through the layers' indicator chains (straight-through in hard mode,
 * exact in relaxed mode).
 */
public final class LatencyModel {

    /** The runtime and its derivatives with respect to every layer's thresholds. */
    public record Estimate(double ms, Map<String, Double> layerMs, Map<String, double[]> kernelThresholdGradient,
                           Map<String, double[]> expansionThresholdGradient) {
    }

    private final CandidateLatencyTable table;
    private final LayerRuntimeModel.Form form;

    /**
     * @throws IllegalStateException if the table was measured on another backend build
     *                               ({@link CandidateLatencyTable#requireMeasuredHere()})
     */
    public LatencyModel(CandidateLatencyTable table, LayerRuntimeModel.Form form) {
        table.requireMeasuredHere();
        this.table = table;
        this.form = form;
    }

    /** The table form of the runtime model. */
    public static LatencyModel of(CandidateLatencyTable table) {
        return new LatencyModel(table, LayerRuntimeModel.Form.TABLE);
    }

    public CandidateLatencyTable table() {
        return table;
    }

    public LayerRuntimeModel.Form form() {
        return form;
    }

    /** The superkernel layers of a {@code MultiLayerNetwork} or {@code ComputationGraph}, in layer order. */
    public static List<SuperkernelOperator> operators(Model net) {
        Layer[] layers;
        if (net instanceof MultiLayerNetwork) {
            layers = ((MultiLayerNetwork) net).getLayers();
        } else if (net instanceof ComputationGraph) {
            layers = ((ComputationGraph) net).getLayers();
        } else {
            throw new IllegalArgumentException("latency model: expected a MultiLayerNetwork or a ComputationGraph, got "
                    + net.getClass().getName());
        }
        List<SuperkernelOperator> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof SuperkernelOperator) {
                out.add((SuperkernelOperator) l);
            }
        }
        return out;
    }

    /** The hard choice of every superkernel of a network, by layer name. */
    public static Map<String, SuperkernelChoice> choices(Model net) {
        Map<String, SuperkernelChoice> out = new LinkedHashMap<>();
        for (SuperkernelOperator op : operators(net)) {
            out.put(op.operatorName(), op.choice());
        }
        return out;
    }

    /** The predicted time of the network the choices stand for: the fixed part plus the measured candidates. */
    public double predictMs(Map<String, SuperkernelChoice> choices) {
        double ms = 0;
        for (Map.Entry<String, SuperkernelChoice> e : choices.entrySet()) {
            CandidateLatencyTable.Entry entry = table.entry(e.getKey());
            ms += form == LayerRuntimeModel.Form.TABLE ? entry.ms(e.getValue())
                    : entry.runtimeModel().runtime(e.getValue(), form);
        }
        return table.predictMs(ms);
    }

    /** The predicted time of a network's hard choices. */
    public double predictMs(Model net) {
        return predictMs(choices(net));
    }

    /** The runtime at the layers' current thresholds, in their own mode, with its derivatives. */
    public Estimate evaluate(Model net) {
        return evaluate(operators(net));
    }

    public Estimate evaluate(List<SuperkernelOperator> operators) {
        double scale = table.scale();
        double ms = table.fixedMs();
        Map<String, Double> layerMs = new LinkedHashMap<>();
        Map<String, double[]> kernelGradient = new LinkedHashMap<>();
        Map<String, double[]> expansionGradient = new LinkedHashMap<>();
        for (SuperkernelOperator op : operators) {
            String name = op.operatorName();
            SuperkernelSpace space = op.searchSpace();
            CandidateLatencyTable.Entry entry = table.entry(name);
            if (!entry.matches(space)) {
                throw new IllegalArgumentException("latency model: the table's entry for layer '" + name
                        + "' was measured for another search space: " + entry);
            }
            NestedIndicators kernel = op.kernelIndicators();
            NestedIndicators expansion = op.expansionIndicators();
            LayerRuntimeModel.Evaluation e = entry.runtimeModel().evaluate(kernel.products(),
                    space.groupMasks(expansion), form);
            ms += scale * e.value();
            layerMs.put(name, scale * e.value());
            SuperkernelOperator.ThresholdGradients g = op.thresholdGradients(scaled(e.kernelProductGradient(), scale),
                    scaled(e.groupMaskGradient(), scale));
            kernelGradient.put(name, g.kernel());
            expansionGradient.put(name, g.expansion());
        }
        return new Estimate(ms, Collections.unmodifiableMap(layerMs), Collections.unmodifiableMap(kernelGradient),
                Collections.unmodifiableMap(expansionGradient));
    }

    private static double[] scaled(double[] values, double scale) {
        double[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= scale;
        }
        return out;
    }
}
