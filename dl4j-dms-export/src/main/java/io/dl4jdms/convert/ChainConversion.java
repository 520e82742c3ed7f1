package io.dl4jdms.convert;

import io.dl4jdms.convert.ChannelDependencies.Group;
import io.dl4jdms.convert.DmsSupernet.Depth;
import io.dl4jdms.convert.DmsSupernet.Width;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The conversion of a {@link MultiLayerNetwork}: a stack has no vertex to share a mask, so a width is
 * searched where its writer's output stage becomes one {@code TopkConv} / {@code TopkDense}.
 */
final class ChainConversion {

    private final DmsSupernet.Builder options;
    private final MultiLayerNetwork network;
    private final NetworkGraph graph;
    private final ChannelDependencies dependencies;

    ChainConversion(DmsSupernet.Builder options, MultiLayerNetwork network, NetworkGraph graph,
                    ChannelDependencies dependencies) {
        this.options = options;
        this.network = network;
        this.graph = graph;
        this.dependencies = dependencies;
    }

    DmsSupernet run() {
        MultiLayerConfiguration conf = network.getLayerWiseConfigurations().clone();
        List<Width> widths = new ArrayList<>();
        Map<Integer, Layer> fusedAt = new HashMap<>();
        Map<Integer, List<Integer>> stageAt = new HashMap<>();
        for (Group group : dependencies.groups) {
            String producer = group.producers.isEmpty() ? null : group.producers.get(0);
            Layer fused = group.fixed == null && group.producers.size() == 1
                    ? DmsSupernet.fuse(group.stages.get(producer).stream().map(graph::get).toList(), options.initialRatio())
                    : null;
            if (fused == null) {
                String reason = group.fixed != null ? group.fixed : "the output stage of '" + producer
                        + "' is not a convolution or dense layer [→ BatchNormalization] [→ ActivationLayer] that one"
                        + " TopkConv or TopkDense computes exactly";
                widths.add(new Width(null, group.producers, group.channels, reason));
                continue;
            }
            List<Integer> stage = group.stages.get(producer).stream().map(n -> graph.get(n).index).toList();
            fusedAt.put(stage.get(0), fused);
            stageAt.put(stage.get(0), stage);
            widths.add(new Width(producer, group.producers, Math.round(group.channels * options.widthMultiplier()), null));
        }
        List<NeuralNetConfiguration> confs = new ArrayList<>();
        Map<Integer, InputPreProcessor> preProcessors = new HashMap<>();
        Map<String, Layer> byName = new LinkedHashMap<>();
        Map<Integer, List<Integer>> sourcesOf = new HashMap<>();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            NeuralNetConfiguration layerConf = conf.getConf(i).clone();
            InputPreProcessor pre = conf.getInputPreProcess(i);
            if (pre != null && !(options.widthMultiplier() != 1.0 && pre instanceof CnnToFeedForwardPreProcessor)) {
                preProcessors.put(confs.size(), pre.clone());
            }
            List<Integer> stage = stageAt.get(i);
            if (stage != null) {
                layerConf.setLayer(fusedAt.get(i));
                sourcesOf.put(confs.size(), stage);
                i = stage.get(stage.size() - 1);
            } else {
                sourcesOf.put(confs.size(), List.of(i));
            }
            byName.put(vertexName(confs.size(), layerConf.getLayer()), layerConf.getLayer());
            confs.add(layerConf);
        }
        if (options.widthMultiplier() != 1.0) {
            Conversions.resize(byName, options.widthMultiplier(), widths);
        }
        MultiLayerConfiguration converted = rebuild(conf, confs, preProcessors);
        MultiLayerNetwork supernet = new MultiLayerNetwork(converted);
        supernet.init();
        if (options.copyWeights()) {
            for (int j = 0; j < confs.size(); j++) {
                List<Integer> sources = sourcesOf.get(j);
                if (sources.size() > 1 || stageAt.containsKey(sources.get(0))) {
                    DmsSupernet.copyFused(sources.stream().map(network::getLayer).toList(), supernet.getLayer(j));
                } else {
                    Conversions.copyAll(network.getLayer(sources.get(0)), supernet.getLayer(j));
                }
            }
        }
        return new DmsSupernet(supernet, widths, List.<Depth>of());
    }

    private static String vertexName(int index, Layer layer) {
        return layer.getLayerName() == null ? "layer" + index : layer.getLayerName();
    }

    private MultiLayerConfiguration rebuild(MultiLayerConfiguration conf, List<NeuralNetConfiguration> confs,
                                            Map<Integer, InputPreProcessor> preProcessors) {
        if (options.widthMultiplier() == 1.0) {
            conf.setConfs(confs);
            conf.setInputPreProcessors(preProcessors);
            conf.setIterationCount(0);
            conf.setEpochCount(0);
            return conf;
        }
        NeuralNetConfiguration.ListBuilder list = Conversions.global(conf.getDataType(), conf.getCacheMode(),
                conf.getTrainingWorkspaceMode(), conf.getInferenceWorkspaceMode(), confs.get(0)).list();
        for (int i = 0; i < confs.size(); i++) {
            list.layer(i, confs.get(i).getLayer());
        }
        preProcessors.forEach(list::inputPreProcessor);
        list.backpropType(conf.getBackpropType()).setInputType(options.inputTypes()[0]);
        return list.build();
    }
}
