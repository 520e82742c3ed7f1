package io.dl4jdms.supernet;

import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.WidthMask;
import io.dl4jdms.supernet.ResNetSupernet.BlockType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.io.IOException;
import java.util.List;

import static io.dl4jdms.supernet.SupernetTestSupport.gatedBlock;
import static io.dl4jdms.supernet.SupernetTestSupport.inputs;
import static io.dl4jdms.supernet.SupernetTestSupport.layer;
import static io.dl4jdms.supernet.SupernetTestSupport.layersOf;
import static io.dl4jdms.supernet.SupernetTestSupport.maskSize;
import static io.dl4jdms.supernet.SupernetTestSupport.maskedBy;
import static io.dl4jdms.supernet.SupernetTestSupport.nOut;
import static io.dl4jdms.supernet.SupernetTestSupport.verticesOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class ResNetSupernetTest {

    /** The default ResNet enlarged as for a from-scratch search: 1.5x widths, 2x blocks. */
    private static ComputationGraphConfiguration enlargedBasic() {
        return new ResNetSupernet.Builder().widthMultiplier(1.5).depthMultiplier(2).build();
    }

    @Test
    void enlargedBasicSupernetHasTheScaledWidthsBlocksAndOperators() {
        ComputationGraphConfiguration conf = enlargedBasic();
        // Stem 16 -> 24; stages 16-32-64 -> 24-48-96 with 2 -> 4 blocks each. Stage 1 continues the
        // stem's stream (stride 1, same width); stages 2 and 3 start with a transition block.
        assertEquals(List.of("s1_depth", "s2_depth", "s3_depth"), layersOf(conf, DepthMask.class));
        assertEquals(List.of("s2_width", "s3_width", "stem_width"), layersOf(conf, WidthMask.class));
        assertEquals(12, layersOf(conf, TopkConv.class).size());
        assertEquals(4, maskSize(conf, "s1_depth"));
        assertEquals(3, maskSize(conf, "s2_depth"));
        assertEquals(3, maskSize(conf, "s3_depth"));
        assertEquals(24, maskSize(conf, "stem_width"));
        assertEquals(48, maskSize(conf, "s2_width"));
        assertEquals(96, maskSize(conf, "s3_width"));
        assertEquals(24, nOut(conf, "stem_conv"));
        assertEquals(24, nOut(conf, "s1b3_conv1"));
        assertEquals(48, nOut(conf, "s2b0_conv1"));
        assertEquals(48, nOut(conf, "s2b0_proj"));
        assertEquals(96, nOut(conf, "s3b3_conv2"));
        assertEquals(10, nOut(conf, "out"));
        assertArrayEquals(new int[] {2, 2}, ((ConvolutionLayer) layer(conf, "s2b0_conv1")).getStride());
        assertArrayEquals(new int[] {2, 2}, ((ConvolutionLayer) layer(conf, "s3b0_proj")).getStride());
        assertArrayEquals(new int[] {1, 1}, ((ConvolutionLayer) layer(conf, "s3b1_conv1")).getStride());

        // 4 + 3 + 3 removable blocks; the transitions add their projection shortcut.
        assertEquals(10, verticesOf(conf, GatedResidual.class).size());
        assertEquals(List.of("s2b0_add", "s3b0_add"), verticesOf(conf, ElementWiseVertex.class));
        assertEquals(List.of("stem", "s1b0_branch", "s1_depth"), inputs(conf, "s1b0_add"));
        assertEquals(List.of("s1b0", "s1b1_branch", "s1_depth"), inputs(conf, "s1b1_add"));
        assertEquals(List.of("s2b0", "s2b1_branch", "s2_depth"), inputs(conf, "s2b1_add"));
        assertEquals(List.of("s2b0_shortcut", "s2b0_branch"), inputs(conf, "s2b0_add"));
        assertEquals(0, gatedBlock(conf, "s1b0_add"));
        assertEquals(3, gatedBlock(conf, "s1b3_add"));
        assertEquals(0, gatedBlock(conf, "s2b1_add"));
        assertEquals(2, gatedBlock(conf, "s3b3_add"));

        // Every writer of a stream is masked by the stream's one operator, after its BN and activation.
        assertEquals(List.of("s1b0_branch", "s1b1_branch", "s1b2_branch", "s1b3_branch", "stem"),
                maskedBy(conf, "stem_width"));
        assertEquals(List.of("s2b0_branch", "s2b0_shortcut", "s2b1_branch", "s2b2_branch", "s2b3_branch"),
                maskedBy(conf, "s2_width"));
        assertEquals(List.of("stem_conv_relu"), inputs(conf, "stem").subList(0, 1));
        assertEquals(List.of("s2b0_conv2_bn"), inputs(conf, "s2b0_branch").subList(0, 1));
        assertEquals(List.of("s2b0_proj_bn"), inputs(conf, "s2b0_shortcut").subList(0, 1));

        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertEquals(18, OperatorState.operators(net).size());
    }

    @Test
    void bottleneckStreamsAreFourTimesTheInnerWidth() {
        ComputationGraphConfiguration conf = new ResNetSupernet.Builder().blockType(BlockType.BOTTLENECK).build();
        // Stem 16; stage streams 64-128-256, each stage starts with a transition, one removable block.
        assertEquals(List.of("s1_width", "s2_width", "s3_width", "stem_width"), layersOf(conf, WidthMask.class));
        assertEquals(List.of("s1_depth", "s2_depth", "s3_depth"), layersOf(conf, DepthMask.class));
        assertEquals(1, maskSize(conf, "s1_depth"));
        assertEquals(12, layersOf(conf, TopkConv.class).size());
        assertEquals(64, maskSize(conf, "s1_width"));
        assertEquals(256, maskSize(conf, "s3_width"));
        assertEquals(16, nOut(conf, "s1b0_conv1"));
        assertEquals(16, nOut(conf, "s1b0_conv2"));
        assertEquals(64, nOut(conf, "s1b0_conv3"));
        assertEquals(64, nOut(conf, "s3b1_conv2"));
        assertEquals(128, nOut(conf, "s2b0_proj"));
        assertArrayEquals(new int[] {2, 2}, ((ConvolutionLayer) layer(conf, "s2b0_conv2")).getStride());
        assertArrayEquals(new int[] {1, 1}, ((ConvolutionLayer) layer(conf, "s2b0_conv1")).getStride());
        assertEquals(List.of("s1b0_conv3_bn"), inputs(conf, "s1b0_branch").subList(0, 1));
    }

    @Test
    void aStageWithoutRemovableBlocksHasNoDepthOperator() {
        ComputationGraphConfiguration conf = new ResNetSupernet.Builder().blocksPerStage(1, 1, 3)
                .depthMultiplier(0.4).build();
        // 1, 1, 3 blocks x 0.4 = 0.4, 0.4, 1.2: at least one block, rounded -> 1, 1, 1.
        assertEquals(List.of("s1_depth"), layersOf(conf, DepthMask.class));
        assertEquals(List.of("s1b0_add"), verticesOf(conf, GatedResidual.class));
        assertFalse(conf.getVertices().containsKey("s3b1"));
    }

    @Test
    void basicAndBottleneckSupernetsTrain() {
        for (BlockType type : BlockType.values()) {
            ComputationGraphConfiguration conf = new ResNetSupernet.Builder().blockType(type).input(12, 12, 1)
                    .classes(3).stageWidths(4, 8).blocksPerStage(1, 1).strides(1, 2).stemWidth(4)
                    .widthMultiplier(1.5).depthMultiplier(2).build();
            SupernetTestSupport.fitRandom(conf, 2, 4, 1, 12, 12, 3);
        }
    }

    @Test
    void defaultSizedSupernetTrainsOnFashionMnistShapedBatches() {
        SupernetTestSupport.fitRandom(new ResNetSupernet.Builder().build(), 1, 2, 1, 28, 28, 10);
    }

    @Test
    void jsonRoundTripIsExact() {
        SupernetTestSupport.assertJsonRoundTrip(enlargedBasic());
        SupernetTestSupport.assertJsonRoundTrip(new ResNetSupernet.Builder().blockType(BlockType.BOTTLENECK)
                .initialRatio(0.1).ratioUpdater(new Sgd(0.1)).build());
    }

    @Test
    void modelSerializerRoundTripGivesIdenticalOutputs(@TempDir File dir) throws IOException {
        ComputationGraphConfiguration conf = new ResNetSupernet.Builder().input(8, 8, 2).classes(3).stemWidth(4)
                .stageWidths(4, 6).blocksPerStage(2, 2).strides(1, 2).build();
        SupernetTestSupport.assertTrainedSerializerRoundTrip(conf, dir);
    }
}
