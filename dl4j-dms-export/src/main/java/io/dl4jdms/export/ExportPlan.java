package io.dl4jdms.export;

import io.dl4jdms.resource.ChannelRole;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides which channels of every activation the slim network keeps, and checks that removing them
 * changes nothing the hard-masked supernet computes.
 *
 * <p>Three sets per live vertex output, in the supernet's channel indices:
 * <ul>
 *   <li>{@code nonZero} (forward): the channels that can be non-zero. A top-k layer zeroes the channels
 *       its hard mask drops, a width mask vertex those its group drops; a per-channel op that maps 0 to
 *       0 passes the set on; batch normalisation, a shift or a sigmoid make every channel non-zero.</li>
 *   <li>{@code need} (backward): the channels some consumer reads. Weighted layers read all their
 *       inputs; a width mask vertex reads only its group's kept channels, so a layer that writes only
 *       into masked streams need not compute the others.</li>
 *   <li>{@code physical} (forward): the channels the slim network computes. Weighted layers compute
 *       {@code nonZero ∩ need}; every other vertex passes on what it receives.</li>
 * </ul>
 * The slim network is exact if every vertex's slim output equals the supernet's restricted to its
 * {@code physical} channels, and every channel outside them that a consumer reads is zero. Each rule below keeps
 * that true or throws a {@link SlimExportException} naming the vertices involved.
 */
final class ExportPlan {

    /** The layout of an activation, for the channel axis of concatenation and pooling. */
    enum Format {
        FF, NCHW, NHWC, UNKNOWN;

        int channelAxis() {
            return this == NHWC ? 3 : 1;
        }

        static Format of(CNN2DFormat format) {
            return format == CNN2DFormat.NHWC ? NHWC : NCHW;
        }
    }

    /** What the plan knows about one vertex's output. */
    static final class State {
        ChannelRole role;
        Format format = Format.UNKNOWN;
        ChannelSet nonZero;
        ChannelSet need;
        ChannelSet physical;
        /** The operator whose mask zeroed channels of this output, for messages; may be null. */
        String maskedBy;
    }

    private final NetworkView view;
    private final Map<String, State> states = new HashMap<>();
    private final Set<String> live;

    private ExportPlan(NetworkView view) {
        this.view = view;
        this.live = liveNodes();
    }

    /** Analyses a network and throws a {@link SlimExportException} if it cannot be exported exactly. */
    static ExportPlan of(NetworkView view) {
        ExportPlan plan = new ExportPlan(view);
        plan.forwardNonZero();
        plan.backwardNeed();
        plan.forwardPhysical();
        return plan;
    }

    boolean isLive(ExportNode node) {
        return live.contains(node.key);
    }

    State state(String key) {
        return states.get(key);
    }

    /** The inputs of a node that carry activations into it (a removed block reads only its skip input). */
    static List<String> streamInputs(ExportNode node) {
        return node.removedBlock ? node.inputs.subList(0, 1) : node.inputs;
    }

    /** The channels of a node's (single) input after its preprocessor, as the slim network computes them. */
    ChannelSet physicalInput(ExportNode node) {
        State in = states.get(node.inputs.get(0));
        ChannelSet physical = afterPreProcessor(node, in.physical);
        if (physical.size() == ChannelSet.UNKNOWN && node.layer instanceof FeedForwardLayer) {
            // A graph input's size is not in the configuration; the layer reading it knows it.
            physical = physical.withSize(((FeedForwardLayer) node.layer).getNIn());
        }
        return physical;
    }

    // ---- liveness ----------------------------------------------------------------------------------

    private Set<String> liveNodes() {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(view.outputs);
        while (!todo.isEmpty()) {
            String key = todo.pop();
            if (seen.add(key)) {
                ExportNode node = view.byKey.get(key);
                if (node.role == ChannelRole.MASK) {
                    throw new SlimExportException(node.describe() + " is read as an activation by "
                            + readersOf(key, seen) + "; a mask layer's output can only be applied by GatedResidual"
                            + " and WidthMaskVertex vertices");
                }
                todo.addAll(streamInputs(node));
            }
        }
        for (String output : view.outputs) {
            ChannelRole role = view.byKey.get(output).role;
            if (role == ChannelRole.WIDTH_MASKED || role == ChannelRole.GATED_RESIDUAL) {
                throw new SlimExportException("network output " + view.byKey.get(output).describe()
                        + " is a search vertex; end the network with a layer");
            }
        }
        return seen;
    }

    private String readersOf(String key, Set<String> live) {
        List<String> readers = new ArrayList<>();
        for (ExportNode node : view.nodes) {
            if (live.contains(node.key) && streamInputs(node).contains(key)) {
                readers.add(node.describe());
            }
        }
        return String.join(", ", readers);
    }

    private List<ExportNode> liveInOrder() {
        List<ExportNode> nodes = new ArrayList<>();
        for (ExportNode node : view.nodes) {
            if (live.contains(node.key)) {
                nodes.add(node);
            }
        }
        return nodes;
    }

    // ---- forward: which channels can be non-zero ------------------------------------------------------

    private void forwardNonZero() {
        for (ExportNode node : liveInOrder()) {
            State state = new State();
            states.put(node.key, state);
            try {
                nonZero(node, state);
            } catch (IllegalStateException e) {
                throw new SlimExportException(node.describe() + ": " + e.getMessage(), e);
            }
        }
    }

    private void nonZero(ExportNode node, State state) {
        state.role = effectiveRole(node);
        switch (state.role) {
            case INPUT:
                state.nonZero = ChannelSet.all(inputSize());
                return;
            case WEIGHTED: {
                TopkOperator operator = node.operator();
                long nOut = ((FeedForwardLayer) node.layer).getNOut();
                state.nonZero = operator == null ? ChannelSet.all(nOut) : ChannelSet.kept(operator.mask().kept());
                state.maskedBy = operator == null ? null : operator.operatorName();
                state.format = node.layer instanceof ConvolutionLayer
                        ? Format.of(((ConvolutionLayer) node.layer).getCnn2dDataFormat()) : Format.FF;
                return;
            }
            case PER_CHANNEL: {
                State in = input(node, 0);
                state.nonZero = afterPreProcessor(node, in.nonZero);
                state.format = formatAfter(node, in.format);
                state.maskedBy = in.maskedBy;
                return;
            }
            case PER_CHANNEL_AFFINE: {
                State in = input(node, 0);
                state.nonZero = ChannelSet.all(afterPreProcessor(node, in.nonZero).size());
                state.format = formatAfter(node, in.format);
                return;
            }
            case MERGE: {
                List<ChannelSet> parts = new ArrayList<>();
                for (int i = 0; i < node.inputs.size(); i++) {
                    parts.add(input(node, i).nonZero);
                    state.maskedBy = state.maskedBy != null ? state.maskedBy : input(node, i).maskedBy;
                }
                state.nonZero = concat(parts);
                state.format = input(node, 0).format;
                return;
            }
            case GATED_RESIDUAL:
                if (node.removedBlock) {
                    State in = input(node, 0);
                    state.nonZero = in.nonZero;
                    state.format = in.format;
                    state.maskedBy = in.maskedBy;
                    return;
                }
                // a kept block adds its inputs
            case ELEMENT_WISE: {
                boolean product = node.vertex instanceof ElementWiseVertex
                        && ((ElementWiseVertex) node.vertex).getOp() == ElementWiseVertex.Op.Product;
                ChannelSet set = input(node, 0).nonZero;
                for (int i = 0; i < node.inputs.size(); i++) {
                    State in = input(node, i);
                    set = product ? set.intersect(in.nonZero) : set.union(in.nonZero);
                    state.maskedBy = state.maskedBy != null ? state.maskedBy : in.maskedBy;
                }
                state.nonZero = set;
                state.format = input(node, 0).format;
                return;
            }
            case WIDTH_MASKED: {
                State in = input(node, 0);
                state.nonZero = in.nonZero.intersect(groupKept(node));
                state.format = in.format;
                state.maskedBy = node.maskInput;
                return;
            }
            default: {
                long size = node.layer instanceof FeedForwardLayer && ((FeedForwardLayer) node.layer).getNOut() > 0
                        ? ((FeedForwardLayer) node.layer).getNOut() : ChannelSet.UNKNOWN;
                state.nonZero = ChannelSet.all(size);
            }
        }
    }

    /**
     * A node's role, with per-channel vertices that do not work along the channel axis demoted to
     * {@link ChannelRole#OTHER}: a concatenation along another axis, a global pooling over the channels.
     */
    private ChannelRole effectiveRole(ExportNode node) {
        if (node.role == ChannelRole.MERGE) {
            Format format = input(node, 0).format;
            for (int i = 1; i < node.inputs.size(); i++) {
                if (input(node, i).format != format) {
                    return ChannelRole.OTHER;
                }
            }
            boolean alongChannels = format != Format.UNKNOWN
                    && ((MergeVertex) node.vertex).getMergeAxis() == format.channelAxis();
            return alongChannels ? ChannelRole.MERGE : ChannelRole.OTHER;
        }
        if (node.layer instanceof GlobalPoolingLayer) {
            int[] dimensions = ((GlobalPoolingLayer) node.layer).getPoolingDimensions();
            Format format = input(node, 0).format;
            if (dimensions != null && (format == Format.UNKNOWN
                    || Arrays.stream(dimensions).anyMatch(d -> d == format.channelAxis()))) {
                return ChannelRole.OTHER;
            }
        }
        return node.role;
    }

    private Format formatAfter(ExportNode node, Format in) {
        if (node.preProcessor instanceof CnnToFeedForwardPreProcessor) {
            return Format.FF;
        }
        if (node.preProcessor != null) {
            return Format.UNKNOWN;
        }
        if (node.layer instanceof GlobalPoolingLayer && ((GlobalPoolingLayer) node.layer).isCollapseDimensions()) {
            return Format.FF;
        }
        return in;
    }

    private long inputSize() {
        if (view.graph) {
            return ChannelSet.UNKNOWN;
        }
        ExportNode first = view.nodes.get(1);
        return first.preProcessor == null && first.layer instanceof FeedForwardLayer
                ? ((FeedForwardLayer) first.layer).getNIn() : ChannelSet.UNKNOWN;
    }

    private ChannelSet groupKept(ExportNode widthMasked) {
        org.deeplearning4j.nn.api.Layer group = view.byKey.get(widthMasked.maskInput).impl;
        if (!(group instanceof TopkOperator) || ((TopkOperator) group).isDepthOperator()) {
            throw new SlimExportException(widthMasked.describe() + " reads '" + widthMasked.maskInput
                    + "' as its width mask, which is not a WidthMask layer");
        }
        return ChannelSet.kept(((TopkOperator) group).mask().kept());
    }

    // ---- backward: which channels are read -------------------------------------------------------------

    private void backwardNeed() {
        List<ExportNode> nodes = liveInOrder();
        for (ExportNode node : nodes) {
            State state = states.get(node.key);
            state.need = view.outputs.contains(node.key) ? ChannelSet.all(state.nonZero.size())
                    : ChannelSet.none(state.nonZero.size());
        }
        for (int n = nodes.size() - 1; n >= 0; n--) {
            ExportNode node = nodes.get(n);
            State state = states.get(node.key);
            List<String> inputs = streamInputs(node);
            for (int i = 0; i < inputs.size(); i++) {
                State in = states.get(inputs.get(i));
                ChannelSet read = read(node, state, i, in);
                in.need = in.need.union(read.withSize(in.nonZero.size()));
            }
        }
    }

    /** The channels of input {@code i} that a node reads, given what its own consumers read. */
    private ChannelSet read(ExportNode node, State state, int i, State in) {
        switch (state.role) {
            case PER_CHANNEL:
            case PER_CHANNEL_AFFINE:
                return beforePreProcessor(node, state.need, in.nonZero.size());
            case ELEMENT_WISE:
            case GATED_RESIDUAL:
                return state.need;
            case WIDTH_MASKED:
                return state.need.intersect(groupKept(node));
            case MERGE: {
                if (state.need.isAll() || state.need.size() == ChannelSet.UNKNOWN) {
                    return ChannelSet.all(in.nonZero.size());
                }
                long offset = 0;
                for (int j = 0; j < i; j++) {
                    offset += input(node, j).nonZero.size();
                }
                return state.need.segment(offset, in.nonZero.size());
            }
            default:
                return ChannelSet.all(in.nonZero.size());
        }
    }

    // ---- forward: which channels the slim network computes -----------------------------------------

    private void forwardPhysical() {
        for (ExportNode node : liveInOrder()) {
            State state = states.get(node.key);
            try {
                physical(node, state);
            } catch (IllegalStateException e) {
                throw new SlimExportException(node.describe() + ": " + e.getMessage(), e);
            }
        }
    }

    private void physical(ExportNode node, State state) {
        switch (state.role) {
            case INPUT:
                state.physical = state.nonZero;
                return;
            case WEIGHTED: {
                State in = input(node, 0);
                ChannelSet nonZeroIn = afterPreProcessor(node, in.nonZero);
                ChannelSet physicalIn = physicalInput(node);
                if (!physicalIn.containsAll(nonZeroIn)) {
                    throw new IllegalStateException("internal error: the input keeps " + physicalIn
                            + " but channels " + Arrays.toString(nonZeroIn.minus(physicalIn)) + " can be non-zero");
                }
                state.physical = canRemoveOutputs(node.layer) ? state.nonZero.intersect(state.need) : state.nonZero;
                if (state.physical.count() == 0) {
                    throw new SlimExportException(node.describe() + " would keep none of its "
                            + state.nonZero.size() + " outputs");
                }
                return;
            }
            case PER_CHANNEL:
                state.physical = physicalInput(node);
                return;
            case PER_CHANNEL_AFFINE: {
                ChannelSet physicalIn = physicalInput(node);
                if (!physicalIn.containsAll(state.need)) {
                    throw affineAfterMask(node, input(node, 0), state.need.intersect(ChannelSet.all(physicalIn.size())),
                            physicalIn);
                }
                state.physical = physicalIn;
                return;
            }
            case MERGE: {
                List<ChannelSet> parts = new ArrayList<>();
                for (int i = 0; i < node.inputs.size(); i++) {
                    parts.add(input(node, i).physical);
                }
                state.physical = concat(parts);
                return;
            }
            case GATED_RESIDUAL:
                if (node.removedBlock) {
                    state.physical = input(node, 0).physical;
                    return;
                }
                // a kept block adds its inputs
            case ELEMENT_WISE: {
                ChannelSet first = input(node, 0).physical;
                for (int i = 1; i < node.inputs.size(); i++) {
                    ChannelSet other = input(node, i).physical;
                    if (!first.equals(other)) {
                        throw new SlimExportException(node.describe() + " combines inputs that keep different"
                                + " channels: '" + view.byKey.get(node.inputs.get(0)).name + "' keeps " + first + ", '"
                                + view.byKey.get(node.inputs.get(i)).name + "' keeps " + other
                                + ". Layers whose outputs are added must share one width operator (a WidthMask group)");
                    }
                }
                state.physical = first;
                return;
            }
            case WIDTH_MASKED: {
                State in = input(node, 0);
                ChannelSet leaked = in.physical.intersect(in.nonZero);
                ChannelSet kept = groupKept(node);
                if (!kept.containsAll(leaked)) {
                    throw new SlimExportException(node.describe() + " removes channels "
                            + Arrays.toString(leaked.minus(kept)) + " of '" + view.byKey.get(node.inputs.get(0)).name
                            + "', but another consumer of '" + view.byKey.get(node.inputs.get(0)).name
                            + "' reads them, so they cannot be removed. Apply the width mask to a layer whose output"
                            + " goes only through the mask");
                }
                state.physical = in.physical;
                return;
            }
            default: {
                List<String> inputs = streamInputs(node);
                for (int i = 0; i < inputs.size(); i++) {
                    State in = states.get(inputs.get(i));
                    if (!in.physical.isAll()) {
                        throw new SlimExportException(node.describe() + " reads '" + view.byKey.get(inputs.get(i)).name
                                + "', whose channels " + Arrays.toString(ChannelSet.all(in.physical.size())
                                .minus(in.physical)) + " are removed" + maskedBy(in)
                                + ", but the exporter does not know how " + node.describe() + " treats removed"
                                + " (zero) channels. Keep all channels of its input (do not search the layer before it)");
                    }
                }
                state.physical = state.nonZero;
            }
        }
    }

    private static boolean canRemoveOutputs(Layer layer) {
        if (layer instanceof BaseOutputLayer) {
            return false;
        }
        return !(layer instanceof DenseLayer) || !((DenseLayer) layer).isHasLayerNorm();
    }

    private SlimExportException affineAfterMask(ExportNode node, State in, ChannelSet read, ChannelSet physicalIn) {
        String source = in.maskedBy == null ? "the layer before it" : "'" + in.maskedBy + "'";
        return new SlimExportException(node.describe() + " directly follows the channels that " + source
                + " masks (channels " + Arrays.toString(read.minus(physicalIn)) + " are removed): it maps their zeros"
                + " to non-zero constants, so the removed channels would change the network's output. Put the"
                + " normalisation and activation inside the searchable layer instead, e.g."
                + " TopkConv.Builder().batchNorm(true).activation(...), so that the mask comes after them");
    }

    private static String maskedBy(State in) {
        return in.maskedBy == null ? "" : " by '" + in.maskedBy + "'";
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private State input(ExportNode node, int i) {
        return states.get(node.inputs.get(i));
    }

    private static ChannelSet concat(List<ChannelSet> parts) {
        boolean all = parts.stream().allMatch(ChannelSet::isAll);
        boolean sized = parts.stream().allMatch(p -> p.size() != ChannelSet.UNKNOWN);
        if (!sized) {
            if (all) {
                return ChannelSet.all(ChannelSet.UNKNOWN);
            }
            throw new IllegalStateException("cannot place the kept channels of a concatenation whose inputs have"
                    + " unknown channel counts");
        }
        return ChannelSet.concat(parts);
    }

    /** A channel set seen after a node's input preprocessor. */
    private static ChannelSet afterPreProcessor(ExportNode node, ChannelSet set) {
        InputPreProcessor pre = node.preProcessor;
        if (pre == null) {
            return set;
        }
        if (pre instanceof CnnToFeedForwardPreProcessor) {
            CnnToFeedForwardPreProcessor flatten = (CnnToFeedForwardPreProcessor) pre;
            if (set.isAll()) {
                return ChannelSet.all(flatten.getNumChannels() * flatten.getInputHeight() * flatten.getInputWidth());
            }
            return set.withSize(flatten.getNumChannels()).flatten(flatten.getInputHeight(), flatten.getInputWidth(),
                    flatten.getFormat());
        }
        if (!set.isAll()) {
            throw new SlimExportException(node.describe() + " has the input preprocessor "
                    + pre.getClass().getSimpleName() + ", which the exporter cannot apply to removed channels");
        }
        return ChannelSet.all(ChannelSet.UNKNOWN);
    }

    /** What a node reads before its preprocessor, given what it reads after it. */
    private static ChannelSet beforePreProcessor(ExportNode node, ChannelSet read, long sizeBefore) {
        InputPreProcessor pre = node.preProcessor;
        if (pre == null) {
            return read;
        }
        if (pre instanceof CnnToFeedForwardPreProcessor && !read.isAll()) {
            CnnToFeedForwardPreProcessor flatten = (CnnToFeedForwardPreProcessor) pre;
            return read.channelsOfFeatures(flatten.getInputHeight(), flatten.getInputWidth(),
                    flatten.getNumChannels(), flatten.getFormat());
        }
        return ChannelSet.all(sizeBefore);
    }
}
