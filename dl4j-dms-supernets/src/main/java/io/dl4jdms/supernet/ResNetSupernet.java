package io.dl4jdms.supernet;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.activations.Activation;

import java.util.List;

/**
 * A ResNet-style supernet for depth and width search: a 3x3 stem, stages of basic or bottleneck
 * residual blocks, global average pooling and a softmax output, as an ordinary
 * {@link ComputationGraphConfiguration} of stock DL4J layers and this project's search layers.
 *
 * <pre>{@code
 * ComputationGraphConfiguration conf = new ResNetSupernet.Builder()
 *         .input(28, 28, 1).classes(10)
 *         .stageWidths(16, 32, 64).blocksPerStage(2, 2, 2).strides(1, 2, 2)
 *         .widthMultiplier(1.5).depthMultiplier(2)      // the enlarged supernet of a from-scratch search
 *         .build();
 * }</pre>
 *
 * <p>What is searched:
 * <ul>
 *   <li>Every residual stream has one shared width operator ({@code WidthMask}) and every layer that
 *       writes into the stream is masked by it after its batch normalisation (and activation), so the
 *       searched network can always be built.</li>
 *   <li>The inner widths of a block are {@link io.dl4jdms.layers.TopkConv}s with built-in batch
 *       normalisation, each with its own operator.</li>
 *   <li>Depth: a block whose shortcut is the identity is removable ({@code GatedResidual} driven by its
 *       stage's {@code DepthMask}). The first block of a stage is a transition, not removable, when its
 *       stride is not 1 or the width changes: its shortcut is a 1x1 projection and it starts a new
 *       stream.</li>
 * </ul>
 *
 * <p>Vertex names ({@code p} = {@code s<i>b<j>}: block {@code j} of stage {@code i}; stages count from 1,
 * blocks from 0, after the depth multiplier):
 * <table>
 *   <caption>names</caption>
 *   <tr><td>{@code input}</td><td>the network input, NCHW</td></tr>
 *   <tr><td>{@code stem_conv}, {@code stem_conv_bn}, {@code stem_conv_relu}, {@code stem}</td>
 *       <td>the stem: 3x3 convolution, batch normalisation, ReLU, width mask; {@code stem} is its output</td></tr>
 *   <tr><td>{@code stem_width}</td><td>the width operator of the stem's stream</td></tr>
 *   <tr><td>{@code s<i>_width}</td><td>the width operator of the stream that stage {@code i}'s transition
 *       block starts (absent if the stage's first block is removable: the stage continues the stream
 *       before it)</td></tr>
 *   <tr><td>{@code s<i>_depth}</td><td>the depth operator of stage {@code i}, over its removable blocks
 *       (absent if there is none); block {@code j} is column {@code j - 1} if the stage starts with a
 *       transition, else column {@code j}</td></tr>
 *   <tr><td>{@code p_conv1} (basic); {@code p_conv1}, {@code p_conv2} (bottleneck)</td>
 *       <td>the searched convolutions of the branch (the 3x3 one carries the block's stride)</td></tr>
 *   <tr><td>{@code p_conv2}, {@code p_conv2_bn} (basic); {@code p_conv3}, {@code p_conv3_bn} (bottleneck);
 *       {@code p_branch}</td><td>the branch's last convolution, its normalisation, and the stream's width
 *       mask on it</td></tr>
 *   <tr><td>{@code p_proj}, {@code p_proj_bn}, {@code p_shortcut}</td><td>a transition block's 1x1
 *       projection shortcut, its normalisation and the new stream's width mask on it</td></tr>
 *   <tr><td>{@code p_add}</td><td>{@code GatedResidual} (removable block) or {@code ElementWiseVertex}
 *       add (transition block)</td></tr>
 *   <tr><td>{@code p}</td><td>the block's output, a ReLU</td></tr>
 *   <tr><td>{@code pool}, {@code out}</td><td>global average pooling and the softmax output (MCXENT)</td></tr>
 * </table>
 */
public final class ResNetSupernet {

    private ResNetSupernet() {
    }

    /** The residual block of every stage. */
    public enum BlockType {
        /** Two 3x3 convolutions; the stream has the stage's width. */
        BASIC(1),
        /** 1x1 down, 3x3, 1x1 up; the stream is 4 times the stage's (inner) width. */
        BOTTLENECK(4);

        private final int expansion;

        BlockType(int expansion) {
            this.expansion = expansion;
        }

        /** The stream's width over the block's inner width: 1 for basic, 4 for bottleneck blocks. */
        public int expansion() {
            return expansion;
        }
    }

    /**
     * Builds a ResNet supernet. Defaults suit 28 x 28 x 1 Fashion-MNIST: stem 16 (stride 1), stages
     * 16-32-64 with 2 basic blocks each and strides 1-2-2, multipliers 1.
     */
    public static final class Builder extends SupernetBuilder<Builder> {

        private BlockType blockType = BlockType.BASIC;

        public Builder() {
            super("ResNetSupernet", 16, 1, new int[] {16, 32, 64}, new int[] {2, 2, 2}, new int[] {1, 2, 2});
        }

        /** Basic (default) or bottleneck blocks. */
        public Builder blockType(BlockType blockType) {
            if (blockType == null) {
                throw error("blockType must not be null");
            }
            this.blockType = blockType;
            return this;
        }

        @Override
        public ComputationGraphConfiguration build() {
            List<Stage> stages = stages();
            SupernetGraph g = graph();
            String x = stem(g, Activation.RELU);
            int channels = scaled(stemWidth);
            String group = STEM_GROUP;
            for (Stage stage : stages) {
                int inner = scaled(stage.width());
                int out = inner * blockType.expansion();
                boolean transition = stage.stride() != 1 || out != channels;
                group = stageOperators(g, stage, transition, group, out);
                for (int b = 0; b < stage.blocks(); b++) {
                    String p = stage.block(b);
                    int stride = b == 0 ? stage.stride() : 1;
                    String branch = branch(g, p, x, inner, out, stride, group);
                    if (b == 0 && transition) {
                        String shortcut = g.convolution(p + "_proj", x, 1, stride, out, null, group, p + "_shortcut");
                        g.add(p + "_add", shortcut, branch);
                    } else {
                        g.gatedResidual(p + "_add", stage.depthName(), transition ? b - 1 : b, x, branch);
                    }
                    x = g.activation(p, p + "_add", Activation.RELU);
                }
                channels = out;
            }
            return g.head(x, classes);
        }

        private String branch(SupernetGraph g, String p, String x, int inner, int out, int stride, String group) {
            if (blockType == BlockType.BASIC) {
                String h = g.searchedConvolution(p + "_conv1", x, 3, stride, inner, Activation.RELU);
                return g.convolution(p + "_conv2", h, 3, 1, out, null, group, p + "_branch");
            }
            String h = g.searchedConvolution(p + "_conv1", x, 1, 1, inner, Activation.RELU);
            h = g.searchedConvolution(p + "_conv2", h, 3, stride, inner, Activation.RELU);
            return g.convolution(p + "_conv3", h, 1, 1, out, null, group, p + "_branch");
        }
    }
}
