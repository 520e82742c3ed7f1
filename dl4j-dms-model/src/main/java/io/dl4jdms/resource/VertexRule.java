package io.dl4jdms.resource;

/**
 * How one kind of layer or graph vertex enters the resource model: the extension point for layers and
 * vertices the model does not know.
 *
 * <p>The model walks the network in topological order and calls the rule of every layer and vertex
 * once, with a {@link VertexContext} that holds the channels of the inputs. The rule answers the questions
 * of the analysis:
 * <ul>
 *   <li>which channels its output has: its own operator's ({@link VertexContext#outputChannels}), its
 *       input's (a per-channel layer), a concat, or a shared operator's ({@link VertexContext#share});</li>
 *   <li>what it costs, as products of channel counts ({@link VertexContext#cost}), and whether its forward
 *       time counts towards latency ({@link VertexContext#timed});</li>
 *   <li>whether it gates a residual branch with a depth operator ({@link VertexContext#gateBranch}), whose
 *       block mask then multiplies every cost inside the branch.</li>
 * </ul>
 *
 * <p>A rule is the cost part of a {@link LayerRule} and is found by the one lookup rule of the
 * {@link LayerRegistry}, for a layer by its configuration class ({@code conf.layers.X}) and for any other
 * graph vertex by its vertex configuration class: first a rule registered with
 * {@link ResourceModel.Builder#rule(Class, VertexRule)} (or {@link LayerRegistry#with}) for the class or
 * its nearest superclass; then the configuration object itself if it implements {@code VertexRule} (so a
 * custom layer or vertex can describe itself); then the built-in rules (stock DL4J layers and vertices,
 * {@code TopkConv}, {@code TopkDense}, {@code SuperkernelDepthwise}, {@code DepthMask}, {@code WidthMask},
 * {@code WidthMaskVertex}, {@code GatedResidual}). A layer or vertex with no rule stops the analysis with
 * an error naming it and its class.
 *
 * <pre>{@code
 * // A vertex that multiplies a stream by a scalar: same channels, no cost.
 * ResourceModel model = ResourceModel.builder(graph).inputTypes(InputType.convolutional(28, 28, 1))
 *         .rule(MyScaleVertex.class, site -> site.input(0))
 *         .build();
 * }</pre>
 */
@FunctionalInterface
public interface VertexRule {

    /**
     * Records the costs of one layer or vertex and returns the channels of its output.
     *
     * @param site the vertex, its inputs and the actions the rule can take
     * @return the output's channels ({@link Channels#none()} for an output that is not an activation)
     */
    Channels count(VertexContext site);
}
