package io.dl4jdms.convert;

import io.dl4jdms.convert.NetworkGraph.Vertex;
import io.dl4jdms.resource.ChannelRole;
import io.dl4jdms.resource.LayerRule;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dependency analysis of a stock network, after Torch-Pruning's dependency graph: which output
 * channels are coupled (the writers of one residual stream, the inputs of an element-wise vertex, a
 * layer and the per-channel layers after it), where each coupled group can be masked exactly, and which
 * residual blocks can be skipped. It reads only the {@link io.dl4jdms.resource.ChannelRole}s of the
 * registry.
 */
final class ChannelDependencies {

    /** One set of coupled channels: the layers that write them and where each writer's mask goes. */
    static final class Group {
        /** The weighted layers writing the channels, in network order. */
        final List<String> producers = new ArrayList<>();
        /** Per producer: the last vertex of its output stage (the layer, its normalisation, its activation). */
        final Map<String, String> maskPoints = new LinkedHashMap<>();
        /** Per producer: its output stage (the layer first). */
        final Map<String, List<String>> stages = new LinkedHashMap<>();
        /** Why the channels stay as they are, or null if they are searched. */
        String fixed;
        long channels;
    }

    /** A residual block {@code x + f(x)} that can be skipped: its add vertex, skip input and branch end. */
    record Block(String add, String x, String branch) {
    }

    /** The stages of skippable blocks: consecutive blocks on one stream. */
    final List<List<Block>> stages = new ArrayList<>();
    final List<Group> groups = new ArrayList<>();

    private final NetworkGraph graph;
    private final Map<String, Space> spaces = new HashMap<>();

    /** The channel space of a vertex output; union-find over coupled spaces. */
    private static final class Space {
        Space parent;
        String fixed;
        final List<String> producers = new ArrayList<>();
        /** For a concatenation: the spaces of its parts. */
        final List<Space> parts = new ArrayList<>();

        Space root() {
            Space s = this;
            while (s.parent != null) {
                s = s.parent;
            }
            return s;
        }
    }

    private ChannelDependencies(NetworkGraph graph) {
        this.graph = graph;
    }

    static ChannelDependencies of(NetworkGraph graph, boolean depth) {
        ChannelDependencies d = new ChannelDependencies(graph);
        d.couple();
        d.placeMasks();
        if (depth && graph.graph) {
            d.findBlocks();
        }
        return d;
    }

    // ---- coupling ------------------------------------------------------------------------------------------

    private void couple() {
        for (Vertex v : graph.order) {
            Space out;
            switch (v.role) {
                case INPUT:
                    out = fixedSpace("it is the " + v.describe());
                    break;
                case WEIGHTED: {
                    boolean flatten = v.preProcessor == null || v.preProcessor instanceof CnnToFeedForwardPreProcessor;
                    if (!flatten) {
                        fixInputs(v, "it is read through the preprocessor " + v.preProcessor.getClass().getSimpleName()
                                + " of " + v.describe());
                    }
                    out = new Space();
                    out.producers.add(v.name);
                    if (v.rule.conversion() == LayerRule.Conversion.NONE) {
                        out.fixed = v.describe() + " is not converted (its outputs are the network's)";
                    } else if (graph.outputs.contains(v.name)) {
                        out.fixed = v.describe() + " is a network output";
                    }
                    break;
                }
                case PER_CHANNEL:
                case PER_CHANNEL_AFFINE:
                    if (v.preProcessor != null) {
                        fixInputs(v, "it is read through the preprocessor " + v.preProcessor.getClass().getSimpleName()
                                + " of " + v.describe());
                        out = fixedSpace("it comes out of a preprocessor");
                    } else {
                        out = space(v.inputs.get(0));
                    }
                    break;
                case ELEMENT_WISE: {
                    out = space(v.inputs.get(0));
                    for (String in : v.inputs) {
                        Space other = space(in);
                        if (other != out) {
                            other.parent = out;
                            out.producers.addAll(other.producers);
                            out.parts.addAll(other.parts);
                            if (out.fixed == null) {
                                out.fixed = other.fixed;
                            }
                        }
                    }
                    if (!out.parts.isEmpty()) {
                        fix(out, "the concatenation is added element-wise in " + v.describe());
                    }
                    if (v.vertex instanceof ElementWiseVertex
                            && ((ElementWiseVertex) v.vertex).getOp() == ElementWiseVertex.Op.Product) {
                        fix(out, v.describe() + " multiplies channels");
                    }
                    break;
                }
                case MERGE: {
                    out = new Space();
                    for (String in : v.inputs) {
                        out.parts.add(space(in));
                    }
                    break;
                }
                case MASK:
                case WIDTH_MASKED:
                case GATED_RESIDUAL:
                    throw new ConversionException(v.describe() + " is already a search vertex; convert the stock"
                            + " network, not a supernet");
                default:
                    fixInputs(v, "it is read by " + v.describe() + ", which needs all of its input channels");
                    out = fixedSpace("it comes out of " + v.describe());
            }
            spaces.put(v.name, out);
        }
        // A per-channel layer that maps zeros to constants, reading a concatenation: the parts cannot be cut.
        for (Vertex v : graph.order) {
            if (v.role == ChannelRole.PER_CHANNEL_AFFINE && !space(v.inputs.get(0)).parts.isEmpty()) {
                fix(space(v.inputs.get(0)), v.describe() + " reads the concatenation and maps removed zeros to"
                        + " constants");
            }
        }
    }

    private Space space(String vertex) {
        return spaces.get(vertex).root();
    }

    private static Space fixedSpace(String reason) {
        Space s = new Space();
        s.fixed = reason;
        return s;
    }

    private void fixInputs(Vertex v, String reason) {
        v.inputs.forEach(in -> fix(space(in), reason));
    }

    private static void fix(Space s, String reason) {
        if (s.fixed == null) {
            s.fixed = reason;
        }
        s.parts.forEach(p -> fix(p.root(), reason));
    }

    // ---- masks -------------------------------------------------------------------------------------------

    /** For every coupled group: each writer's output stage and whether the group can be masked exactly. */
    private void placeMasks() {
        Map<Space, Group> bySpace = new LinkedHashMap<>();
        Set<String> inStages = new HashSet<>();
        for (Vertex v : graph.order) {
            Space s = space(v.name);
            if (v.role != ChannelRole.WEIGHTED || !s.producers.contains(v.name)) {
                continue;
            }
            Group group = bySpace.computeIfAbsent(s, k -> {
                Group g = new Group();
                g.fixed = k.fixed;
                g.producers.addAll(k.producers);
                return g;
            });
            List<String> stage = outputStage(v);
            group.stages.put(v.name, stage);
            group.maskPoints.put(v.name, stage.get(stage.size() - 1));
            inStages.addAll(stage);
            if (v.layer instanceof FeedForwardLayer) {
                group.channels = ((FeedForwardLayer) v.layer).getNOut();
            }
        }
        for (Vertex v : graph.order) {
            if (v.role == ChannelRole.PER_CHANNEL_AFFINE && !inStages.contains(v.name)) {
                Group g = bySpace.get(space(v.name));
                if (g != null && g.fixed == null) {
                    g.fixed = v.describe() + " comes after the point where the channels are masked and would map"
                            + " removed zeros to constants";
                }
            }
        }
        for (Map.Entry<Space, Group> e : bySpace.entrySet()) {
            Group g = e.getValue();
            g.producers.retainAll(g.stages.keySet());
            groups.add(g);
        }
    }

    /**
     * A weighted layer and the per-channel layers after it that only it feeds: its normalisation and
     * activation (the mask goes after them, where it is not divided back out).
     */
    private List<String> outputStage(Vertex producer) {
        List<String> stage = new ArrayList<>(List.of(producer.name));
        Vertex current = producer;
        while (current.consumers.size() == 1 && !graph.outputs.contains(current.name)) {
            Vertex next = graph.get(current.consumers.get(0));
            boolean stageLayer = next.preProcessor == null && (next.role == ChannelRole.PER_CHANNEL_AFFINE
                    || (next.role == ChannelRole.PER_CHANNEL && next.layer instanceof ActivationLayer));
            if (!stageLayer) {
                break;
            }
            stage.add(next.name);
            current = next;
        }
        return stage;
    }

    // ---- depth ------------------------------------------------------------------------------------------

    /** Residual blocks {@code x + f(x)} whose branch only the add reads, grouped into stages. */
    private void findBlocks() {
        Map<String, Block> byAdd = new LinkedHashMap<>();
        for (Vertex v : graph.order) {
            if (v.role != ChannelRole.ELEMENT_WISE || v.inputs.size() != 2
                    || ((ElementWiseVertex) v.vertex).getOp() != ElementWiseVertex.Op.Add) {
                continue;
            }
            Block block = block(v, v.inputs.get(0), v.inputs.get(1));
            if (block == null) {
                block = block(v, v.inputs.get(1), v.inputs.get(0));
            }
            if (block != null) {
                byAdd.put(v.name, block);
            }
        }
        Map<String, List<Block>> stageOf = new HashMap<>();
        for (Block block : byAdd.values()) {
            String previous = previousAdd(block.x(), byAdd);
            List<Block> stage = previous == null ? null : stageOf.get(previous);
            if (stage == null) {
                stage = new ArrayList<>();
                stages.add(stage);
            }
            stage.add(block);
            stageOf.put(block.add(), stage);
        }
    }

    private Block block(Vertex add, String x, String branch) {
        Set<String> upstream = graph.ancestors(branch);
        if (!upstream.contains(x) || x.equals(branch)) {
            return null;
        }
        Set<String> body = new HashSet<>();
        for (String v : upstream) {
            if (!v.equals(x) && graph.ancestors(v).contains(x)) {
                body.add(v);
            }
        }
        for (String v : body) {
            if (graph.outputs.contains(v)) {
                return null;
            }
            for (String consumer : graph.get(v).consumers) {
                if (!body.contains(consumer) && !consumer.equals(add.name)) {
                    return null;
                }
            }
        }
        return new Block(add.name, x, branch);
    }

    /** The add of the block whose output {@code x} is (through per-channel activations only), or null. */
    private String previousAdd(String x, Map<String, Block> byAdd) {
        String u = x;
        while (!byAdd.containsKey(u)) {
            Vertex v = graph.get(u);
            if (v.role != ChannelRole.PER_CHANNEL || v.inputs.size() != 1 || !(v.layer instanceof ActivationLayer)) {
                return null;
            }
            u = v.inputs.get(0);
        }
        return u;
    }
}
