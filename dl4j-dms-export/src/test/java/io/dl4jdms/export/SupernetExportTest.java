package io.dl4jdms.export;

import io.dl4jdms.supernet.MobileNetV2Supernet;
import io.dl4jdms.supernet.ResNetSupernet;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

import static io.dl4jdms.export.ExportTestSupport.assertPlainDl4j;
import static io.dl4jdms.export.ExportTestSupport.assertTrains;
import static io.dl4jdms.export.ExportTestSupport.features;
import static io.dl4jdms.export.ExportTestSupport.labels;
import static io.dl4jdms.export.ExportTestSupport.searched;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supernets of the project's model zoo, searched and exported. */
class SupernetExportTest {

    enum Family {
        RESNET_BASIC, RESNET_BOTTLENECK, MOBILENET_V2
    }

    private static ComputationGraphConfiguration supernet(Family family) {
        NeuralNetConfiguration.Builder global = new NeuralNetConfiguration.Builder().seed(12).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).weightInit(WeightInit.RELU);
        switch (family) {
            case RESNET_BASIC:
            case RESNET_BOTTLENECK:
                return new ResNetSupernet.Builder().globalConfiguration(global).input(8, 8, 2).classes(3)
                        .stemWidth(8).stageWidths(8, 12).blocksPerStage(3, 2).strides(1, 2)
                        .blockType(family == Family.RESNET_BASIC ? ResNetSupernet.BlockType.BASIC
                                : ResNetSupernet.BlockType.BOTTLENECK)
                        .build();
            default:
                return new MobileNetV2Supernet.Builder().globalConfiguration(global).input(8, 8, 2).classes(3)
                        .stemWidth(8).stemStride(1).stageWidths(8, 12).blocksPerStage(3, 2).strides(1, 2)
                        .expansions(1, 3).headWidth(16).build();
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void searchedSupernetsExportExactly(Family family) {
        ComputationGraph supernet = new ComputationGraph(supernet(family));
        supernet.init();
        searched(supernet, 0.4, 31);
        SearchedStructure structure = SearchedStructure.of(supernet);
        ComputationGraph slim = SlimExporter.export(supernet);

        // Stage 1 has 3 blocks; round(0.6 * removable) of its removable ones stay.
        SearchedStructure.Operator stage1 = structure.operator("s1_depth");
        assertEquals(SearchedStructure.Kind.DEPTH, stage1.kind());
        int removed = stage1.supernetSize() - stage1.keptSize();
        assertEquals(Math.round(0.4 * stage1.supernetSize()), removed);
        long blocks = slim.getConfiguration().getVertices().keySet().stream().filter(v -> v.matches("s1b\\d+_.*"))
                .map(v -> v.substring(0, v.indexOf('_'))).distinct().count();
        assertEquals(3 - removed, blocks, "stage 1 blocks left: " + slim.getConfiguration().getVertices().keySet());
        assertTrue(slim.numParams() < supernet.numParams() / 2,
                "slim " + slim.numParams() + " vs supernet " + supernet.numParams());

        INDArray x = features(DataType.FLOAT, 9, 16, 2, 8, 8);
        double diff = SlimExporter.maxAbsDiffVsHardMasked(supernet, slim, x);
        System.out.printf("%s: %d -> %d parameters, max |slim - hard-masked supernet| = %.3e%n", family,
                supernet.numParams(), slim.numParams(), diff);
        assertTrue(diff <= ExportTestSupport.FLOAT_TOLERANCE, "max |diff| " + diff);
        assertPlainDl4j(slim);
        assertTrains(slim, x, labels(DataType.FLOAT, 16, 3));
    }
}
