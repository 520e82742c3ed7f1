package io.dl4jdms.supernet;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.nd4j.linalg.activations.Activation;

import java.util.List;

/**
 * A MobileNetV2-style supernet for depth and width search: a 3x3 stem, stages of inverted residual
 * blocks (1x1 expansion, 3x3 depthwise, linear 1x1 projection), a searched 1x1 head convolution, global
 * average pooling and a softmax output, as an ordinary {@link ComputationGraphConfiguration} of stock
 * DL4J layers and this project's search layers.
 *
 * <pre>{@code
 * ComputationGraphConfiguration conf = new MobileNetV2Supernet.Builder()
 *         .input(28, 28, 1).classes(10)
 *         .widthMultiplier(1.5).depthMultiplier(2)      // the enlarged supernet of a from-scratch search
 *         .build();
 * }</pre>
 *
 * <p>What is searched:
 * <ul>
 *   <li>Every stream between blocks has one shared width operator ({@code WidthMask}); every projection
 *       that writes into it is masked by it after its batch normalisation.</li>
 *   <li>The expanded (hidden) width of a block has one operator shared by the expansion and the
 *       depthwise convolution (a depthwise channel exists only with its input channel), each masked after
 *       its batch normalisation and ReLU6. With expansion 1 there is no expansion convolution and the
 *       depthwise convolution is masked by its input stream's operator.</li>
 *   <li>The head convolution is a {@link io.dl4jdms.layers.TopkConv} with its own operator.</li>
 *   <li>Depth: a block with stride 1 and equal input and output widths is removable ({@code GatedResidual}
 *       driven by its stage's {@code DepthMask}); any other block has no shortcut, is not removable and
 *       starts a new stream.</li>
 * </ul>
 *
 * <p>Vertex names ({@code p} = {@code s<i>b<j>}: block {@code j} of stage {@code i}; stages count from 1,
 * blocks from 0, after the depth multiplier):
 * <table>
 *   <caption>names</caption>
 *   <tr><td>{@code input}</td><td>the network input, NCHW</td></tr>
 *   <tr><td>{@code stem_conv}, {@code stem_conv_bn}, {@code stem_conv_relu6}, {@code stem}</td>
 *       <td>the stem: 3x3 convolution, batch normalisation, ReLU6, width mask; {@code stem} is its output</td></tr>
 *   <tr><td>{@code stem_width}</td><td>the width operator of the stem's stream</td></tr>
 *   <tr><td>{@code s<i>_width}</td><td>the width operator of the stream that stage {@code i}'s first block
 *       starts (absent if that block is removable: the stage continues the stream before it)</td></tr>
 *   <tr><td>{@code s<i>_depth}</td><td>the depth operator of stage {@code i}, over its removable blocks
 *       (absent if there is none); block {@code j} is column {@code j - 1} if the stage's first block is
 *       not removable, else column {@code j}</td></tr>
 *   <tr><td>{@code p_expand_width}</td><td>the width operator of block {@code p}'s expanded channels
 *       (absent with expansion 1)</td></tr>
 *   <tr><td>{@code p_expand}, {@code p_expand_bn}, {@code p_expand_relu6}, {@code p_expand_mask}</td>
 *       <td>the 1x1 expansion (absent with expansion 1)</td></tr>
 *   <tr><td>{@code p_dw}, {@code p_dw_bn}, {@code p_dw_relu6}, {@code p_dw_mask}</td>
 *       <td>the 3x3 depthwise convolution, carrying the block's stride</td></tr>
 *   <tr><td>{@code p_project}, {@code p_project_bn}</td><td>the linear 1x1 projection</td></tr>
 *   <tr><td>{@code p_branch}, {@code p}</td><td>removable block: the stream's width mask on the projection,
 *       and the {@code GatedResidual} output. Other blocks have no {@code p_branch}: their output {@code p}
 *       is the new stream's width mask on the projection</td></tr>
 *   <tr><td>{@code head_conv}</td><td>the searched 1x1 head convolution (batch normalisation, ReLU6)</td></tr>
 *   <tr><td>{@code pool}, {@code out}</td><td>global average pooling and the softmax output (MCXENT)</td></tr>
 * </table>
 */
public final class MobileNetV2Supernet {

    private MobileNetV2Supernet() {
    }

    /**
     * Builds a MobileNetV2 supernet. Defaults are MobileNetV2 scaled down for 28 x 28 x 1 Fashion-MNIST:
     * stem 16 with stride 2, stages 16-24-32-64 with 1-2-2-2 blocks, strides 1-2-2-1 and expansions
     * 1-6-6-6, head 128, multipliers 1.
     */
    public static final class Builder extends SupernetBuilder<Builder> {

        private int[] expansions = {1, 6, 6, 6};
        private int headWidth = 128;

        public Builder() {
            super("MobileNetV2Supernet", 16, 2, new int[] {16, 24, 32, 64}, new int[] {1, 2, 2, 2},
                    new int[] {1, 2, 2, 1});
        }

        /**
         * The expansion factor of each stage's blocks (hidden width = input width times the factor, the
         * input width being after the width multiplier); one value per stage, 1 = no expansion convolution.
         */
        public Builder expansions(int... expansions) {
            this.expansions = positives("expansions", expansions);
            return this;
        }

        /** The output channels of the head convolution, before the width multiplier; default 128. */
        public Builder headWidth(int headWidth) {
            this.headWidth = positive("headWidth", headWidth);
            return this;
        }

        @Override
        public ComputationGraphConfiguration build() {
            List<Stage> stages = stages();
            requireOnePerStage("expansions", expansions);
            SupernetGraph g = graph();
            String x = stem(g, Activation.RELU6);
            int channels = scaled(stemWidth);
            String group = STEM_GROUP;
            for (Stage stage : stages) {
                int out = scaled(stage.width());
                int expansion = expansions[stage.number() - 1];
                boolean transition = stage.stride() != 1 || out != channels;
                String newGroup = stageOperators(g, stage, transition, group, out);
                for (int b = 0; b < stage.blocks(); b++) {
                    String p = stage.block(b);
                    String hidden = hidden(g, p, x, channels, expansion, b == 0 ? stage.stride() : 1, group);
                    if (b == 0 && transition) {
                        x = g.convolution(p + "_project", hidden, 1, 1, out, null, newGroup, p);
                    } else {
                        String branch = g.convolution(p + "_project", hidden, 1, 1, out, null, newGroup, p + "_branch");
                        x = g.gatedResidual(p, stage.depthName(), transition ? b - 1 : b, x, branch);
                    }
                    group = newGroup;
                    channels = out;
                }
            }
            String head = g.searchedConvolution("head_conv", x, 1, 1, scaled(headWidth), Activation.RELU6);
            return g.head(head, classes);
        }

        /** The expansion (unless the factor is 1) and the depthwise convolution; returns the masked output. */
        private static String hidden(SupernetGraph g, String p, String x, int channels, int expansion, int stride,
                                     String inputGroup) {
            String h = x;
            String group = inputGroup;
            if (expansion != 1) {
                group = p + "_expand_width";
                g.widthGroup(group, channels * expansion);
                h = g.convolution(p + "_expand", x, 1, 1, channels * expansion, Activation.RELU6, group,
                        p + "_expand_mask");
            }
            return g.depthwise(p + "_dw", h, stride, Activation.RELU6, group, p + "_dw_mask");
        }
    }
}
