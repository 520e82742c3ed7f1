package io.dl4jdms.supernet;

import io.dl4jdms.layers.DepthMask;
import io.dl4jdms.layers.GatedResidual;
import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkConv;
import io.dl4jdms.layers.WidthMask;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import static org.junit.jupiter.api.Assertions.assertTrue;

class MobileNetV2SupernetTest {

    /** The default MobileNetV2 enlarged as for a from-scratch search: 1.5x widths, 2x blocks. */
    private static ComputationGraphConfiguration enlarged() {
        return new MobileNetV2Supernet.Builder().widthMultiplier(1.5).depthMultiplier(2).build();
    }

    @Test
    void enlargedSupernetHasTheScaledWidthsBlocksAndOperators() {
        ComputationGraphConfiguration conf = enlarged();
        // Stem 16 -> 24; stages 16-24-32-64 -> 24-36-48-96, blocks 1-2-2-2 -> 2-4-4-4, expansions 1-6-6-6.
        // Stage 1 (stride 1, 24 -> 24) continues the stem's stream; stages 2-4 start a new one.
        assertEquals(List.of("s1_depth", "s2_depth", "s3_depth", "s4_depth"), layersOf(conf, DepthMask.class));
        assertEquals(2, maskSize(conf, "s1_depth"));
        assertEquals(3, maskSize(conf, "s2_depth"));
        assertEquals(3, maskSize(conf, "s4_depth"));
        List<String> widths = layersOf(conf, WidthMask.class);
        assertEquals(4 + 12, widths.size(), widths.toString());
        assertTrue(widths.containsAll(List.of("stem_width", "s2_width", "s3_width", "s4_width")), widths.toString());
        assertFalse(widths.contains("s1_width") || widths.contains("s1b0_expand_width"), widths.toString());
        assertEquals(List.of("head_conv"), layersOf(conf, TopkConv.class));

        assertEquals(24, maskSize(conf, "stem_width"));
        assertEquals(36, maskSize(conf, "s2_width"));
        assertEquals(96, maskSize(conf, "s4_width"));
        assertEquals(24, nOut(conf, "stem_conv"));
        assertEquals(24 * 6, nOut(conf, "s2b0_expand"));
        assertEquals(24 * 6, maskSize(conf, "s2b0_expand_width"));
        assertEquals(24 * 6, nOut(conf, "s2b0_dw"));
        assertEquals(36 * 6, nOut(conf, "s2b1_expand"));
        assertEquals(48 * 6, nOut(conf, "s4b0_expand"));
        assertEquals(96 * 6, nOut(conf, "s4b3_dw"));
        assertEquals(96, nOut(conf, "s4b3_project"));
        assertEquals(24, nOut(conf, "s1b1_dw"));
        assertEquals(192, nOut(conf, "head_conv"));
        assertArrayEquals(new int[] {2, 2}, ((ConvolutionLayer) layer(conf, "stem_conv")).getStride());
        assertArrayEquals(new int[] {2, 2}, ((DepthwiseConvolution2D) layer(conf, "s3b0_dw")).getStride());
        assertArrayEquals(new int[] {1, 1}, ((DepthwiseConvolution2D) layer(conf, "s4b0_dw")).getStride());

        // 2 + 3 + 3 + 3 removable blocks; transitions have no shortcut at all.
        assertEquals(11, verticesOf(conf, GatedResidual.class).size());
        assertTrue(verticesOf(conf, ElementWiseVertex.class).isEmpty());
        assertEquals(List.of("stem", "s1b0_branch", "s1_depth"), inputs(conf, "s1b0"));
        assertEquals(List.of("s3b0", "s3b1_branch", "s3_depth"), inputs(conf, "s3b1"));
        assertEquals(0, gatedBlock(conf, "s1b0"));
        assertEquals(0, gatedBlock(conf, "s3b1"));
        assertEquals(2, gatedBlock(conf, "s3b3"));

        // Expansion and depthwise share the block's hidden operator; with expansion 1 the depthwise
        // convolution is masked by its input stream's operator.
        assertEquals(List.of("s2b1_dw_mask", "s2b1_expand_mask"), maskedBy(conf, "s2b1_expand_width"));
        assertEquals(List.of("s1b0_branch", "s1b0_dw_mask", "s1b1_branch", "s1b1_dw_mask", "stem"),
                maskedBy(conf, "stem_width"));
        assertEquals(List.of("s2b0", "s2b1_branch", "s2b2_branch", "s2b3_branch"), maskedBy(conf, "s2_width"));
        assertEquals(List.of("s2b1_expand_relu6"), inputs(conf, "s2b1_expand_mask").subList(0, 1));
        assertEquals(List.of("s2b1_dw_relu6"), inputs(conf, "s2b1_dw_mask").subList(0, 1));
        assertEquals(List.of("s2b1_project_bn"), inputs(conf, "s2b1_branch").subList(0, 1));
        assertEquals(List.of("s2b0_project_bn"), inputs(conf, "s2b0").subList(0, 1));
        assertEquals(List.of("s1b0_dw_mask"), inputs(conf, "s1b0_project"));

        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        assertEquals(4 + 16 + 1, OperatorState.operators(net).size());
    }

    @Test
    void supernetTrains() {
        ComputationGraphConfiguration conf = new MobileNetV2Supernet.Builder().input(12, 12, 1).classes(3)
                .widthMultiplier(1.5).depthMultiplier(2).build();
        SupernetTestSupport.fitRandom(conf, 2, 4, 1, 12, 12, 3);
    }

    @Test
    void defaultSizedSupernetTrainsOnFashionMnistShapedBatches() {
        SupernetTestSupport.fitRandom(new MobileNetV2Supernet.Builder().build(), 1, 2, 1, 28, 28, 10);
    }

    @Test
    void jsonRoundTripIsExact() {
        SupernetTestSupport.assertJsonRoundTrip(enlarged());
    }

    @Test
    void modelSerializerRoundTripGivesIdenticalOutputs(@TempDir File dir) throws IOException {
        ComputationGraphConfiguration conf = new MobileNetV2Supernet.Builder().input(8, 8, 2).classes(3)
                .stemWidth(4).stageWidths(4, 6).blocksPerStage(2, 2).strides(1, 2).expansions(1, 3).headWidth(8)
                .build();
        SupernetTestSupport.assertTrainedSerializerRoundTrip(conf, dir);
    }
}
