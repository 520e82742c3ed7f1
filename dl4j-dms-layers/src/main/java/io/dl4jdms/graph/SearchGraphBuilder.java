package io.dl4jdms.graph;

import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.MaskLayer;
import io.dl4jdms.layers.WidthMask;
import io.dl4jdms.layers.WidthMaskVertex;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;

import java.util.List;
import java.util.Map;

/**
 * A {@link ComputationGraphConfiguration.GraphBuilder} with the plumbing of depth and shared-width
 * search: stages of removable residual blocks and shared width groups. Each method checks what it is
 * given against what was added before and fails with a message naming the vertex; {@link #build()}
 * checks the whole graph again with {@link #validate}.
 *
 * <pre>{@code
 * SearchGraphBuilder g = new SearchGraphBuilder(new NeuralNetConfiguration.Builder().updater(new Adam(1e-3)));
 * g.addInputs("in");
 * ...
 * g.addDepthStage("stage1", 2, "stem");
 * g.addGatedResidual("block1", "stage1", 0, "stem", "block1_branch");
 * }</pre>
 */
public class SearchGraphBuilder extends ComputationGraphConfiguration.GraphBuilder {

    public SearchGraphBuilder(NeuralNetConfiguration.Builder globalConfiguration) {
        super(globalConfiguration);
    }

    /** Adds the depth operator of a stage of {@code blocks} removable blocks, fed by any vertex. */
    public SearchGraphBuilder addDepthStage(String stage, int blocks, String input) {
        addLayer(stage, new DepthMask.Builder(blocks).build(), input);
        return this;
    }

    /** Adds a depth operator built by the caller (e.g. with its own initial ratio or updater). */
    public SearchGraphBuilder addDepthStage(String stage, DepthMask mask, String input) {
        addLayer(stage, mask, input);
        return this;
    }

    /**
     * Adds the removable block {@code x + m[block] * f(x)} as vertex {@code vertex}.
     *
     * @throws IllegalArgumentException naming the vertex if the stage does not exist, is not a
     *                                  {@link DepthMask}, or has no block {@code block}
     */
    public SearchGraphBuilder addGatedResidual(String vertex, String stage, int block, String x, String branch) {
        MaskLayer mask = maskLayer(vertices, vertex, stage, DepthMask.class);
        if (block < 0 || block >= mask.getSize()) {
            throw new IllegalArgumentException("GatedResidual '" + vertex + "': block index " + block
                    + " is out of range; stage '" + stage + "' has " + mask.getSize() + " blocks");
        }
        addVertex(vertex, new GatedResidual(block, vertex), x, branch, stage);
        return this;
    }

    /** Adds a width operator shared by the writers of one stream of {@code channels} channels. */
    public SearchGraphBuilder addWidthGroup(String group, int channels, String input) {
        addLayer(group, new WidthMask.Builder(channels).build(), input);
        return this;
    }

    /** Adds a width operator built by the caller. */
    public SearchGraphBuilder addWidthGroup(String group, WidthMask mask, String input) {
        addLayer(group, mask, input);
        return this;
    }

    /**
     * Applies the shared width group {@code group} to the output of {@code stream}, as vertex {@code vertex}.
     *
     * @throws IllegalArgumentException naming the vertex if the group does not exist or is not a {@link WidthMask}
     */
    public SearchGraphBuilder addWidthMask(String vertex, String group, String stream, CNN2DFormat format) {
        maskLayer(vertices, vertex, group, WidthMask.class);
        addVertex(vertex, new WidthMaskVertex(format, vertex), stream, group);
        return this;
    }

    /** As {@link #addWidthMask(String, String, String, CNN2DFormat)} for NCHW or feed-forward streams. */
    public SearchGraphBuilder addWidthMask(String vertex, String group, String stream) {
        return addWidthMask(vertex, group, stream, CNN2DFormat.NCHW);
    }

    @Override
    public ComputationGraphConfiguration build() {
        ComputationGraphConfiguration conf = super.build();
        validate(conf);
        return conf;
    }

    /**
     * Checks every {@link GatedResidual} and {@link WidthMaskVertex} of a configuration, however it was
     * built: the mask input exists and is a layer of the right kind, and block indices are in range.
     *
     * @throws IllegalArgumentException naming the first bad vertex
     */
    public static void validate(ComputationGraphConfiguration conf) {
        Map<String, GraphVertex> vertices = conf.getVertices();
        for (Map.Entry<String, GraphVertex> entry : vertices.entrySet()) {
            String name = entry.getKey();
            List<String> inputs = conf.getVertexInputs().get(name);
            if (entry.getValue() instanceof GatedResidual) {
                int block = ((GatedResidual) entry.getValue()).getBlock();
                MaskLayer mask = maskLayer(vertices, name, inputs.get(2), DepthMask.class);
                if (block >= mask.getSize()) {
                    throw new IllegalArgumentException("GatedResidual '" + name + "': block index " + block
                            + " is out of range; stage '" + inputs.get(2) + "' has " + mask.getSize() + " blocks");
                }
            } else if (entry.getValue() instanceof WidthMaskVertex) {
                maskLayer(vertices, name, inputs.get(1), WidthMask.class);
            }
        }
    }

    private static MaskLayer maskLayer(Map<String, GraphVertex> vertices, String vertex, String maskName,
                                       Class<? extends MaskLayer> kind) {
        GraphVertex found = vertices.get(maskName);
        if (found == null) {
            throw new IllegalArgumentException("vertex '" + vertex + "': " + kind.getSimpleName() + " '" + maskName
                    + "' does not exist (add it before the vertices that read it)");
        }
        if (!(found instanceof LayerVertex)
                || !kind.isInstance(((LayerVertex) found).getLayerConf().getLayer())) {
            throw new IllegalArgumentException("vertex '" + vertex + "': '" + maskName + "' is not a "
                    + kind.getSimpleName() + " but " + describe(found));
        }
        return (MaskLayer) ((LayerVertex) found).getLayerConf().getLayer();
    }

    private static String describe(GraphVertex vertex) {
        if (vertex instanceof LayerVertex) {
            return "a " + ((LayerVertex) vertex).getLayerConf().getLayer().getClass().getSimpleName() + " layer";
        }
        return "a " + vertex.getClass().getSimpleName();
    }
}
