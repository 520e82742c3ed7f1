package io.dl4jdms.export;

import io.dl4jdms.layers.OperatorState;
import io.dl4jdms.layers.TopkOperator;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.File;
import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SearchedStructureTest {

    @Test
    void recordsEveryOperatorOfAMultiLayerNetwork(@TempDir File dir) throws IOException {
        MultiLayerNetwork net = MultiLayerExportTest.supernet(DataType.FLOAT, CNN2DFormat.NCHW, true, true);
        ExportTestSupport.searched(net, 0.4, 11);
        SearchedStructure structure = SearchedStructure.of(net);

        assertEquals("MultiLayerNetwork", structure.network());
        assertEquals(List.of("conv1", "conv2", "dense"),
                structure.operators().stream().map(SearchedStructure.Operator::name).collect(java.util.stream.Collectors.toList()));
        SearchedStructure.Operator conv1 = structure.operator("conv1");
        assertEquals(SearchedStructure.Kind.WIDTH, conv1.kind());
        assertEquals("TopkConv", conv1.layerType());
        assertEquals(10, conv1.supernetSize());
        assertEquals(6, conv1.keptSize());
        assertEquals(0.4, conv1.ratio(), 1e-7);
        TopkOperator operator = OperatorState.operators(net).get(0);
        assertArrayEquals(ChannelSet.kept(operator.mask().kept()).indices(), conv1.keptIndices());
        assertEquals("TopkDense", structure.operator("dense").layerType());
        assertEquals(7, structure.operator("dense").keptSize());

        // The slim network has exactly the kept sizes.
        MultiLayerNetwork slim = SlimExporter.export(net);
        for (SearchedStructure.Operator op : structure.operators()) {
            assertEquals(op.keptSize(), slim.getLayer(op.name()).getParam("W").size(
                    op.layerType().equals("TopkConv") ? 0 : 1), op.name());
        }

        File file = new File(dir, "structure.json");
        structure.write(file);
        assertEquals(structure, SearchedStructure.read(file));
        assertEquals(structure, SearchedStructure.fromJson(structure.toJson()));
        String json = structure.toJson();
        assertTrue(json.contains("\"supernetSize\" : 10") && json.contains("\"keptSize\" : 6")
                && json.contains("\"kind\" : \"width\""), json);
    }

    @Test
    void recordsDepthAndSharedWidthOperatorsOfAGraph(@TempDir File dir) throws IOException {
        ComputationGraph net = GraphExportTest.depthSupernet(DataType.FLOAT, true);
        SearchedStructure structure = SearchedStructure.of(net);
        assertEquals("ComputationGraph", structure.network());

        SearchedStructure.Operator stage1 = structure.operator("stage1");
        assertEquals(SearchedStructure.Kind.DEPTH, stage1.kind());
        assertEquals("DepthMask", stage1.layerType());
        assertEquals(2, stage1.supernetSize());
        assertArrayEquals(new int[] {0}, stage1.keptIndices());
        SearchedStructure.Operator width = structure.operator("width");
        assertEquals(SearchedStructure.Kind.WIDTH, width.kind());
        assertEquals("WidthMask", width.layerType());
        assertEquals(6, width.supernetSize());
        assertEquals(4, width.keptSize());

        File file = new File(dir, "structure.json");
        structure.write(file);
        SearchedStructure read = SearchedStructure.read(file);
        assertEquals(structure, read);
        assertTrue(structure.toJson().contains("\"kind\" : \"depth\""), structure.toJson());

        // Another search gives another structure.
        ((TopkOperator) net.getLayer("stage1")).setImportance(new double[] {1, 2});
        assertNotEquals(structure, SearchedStructure.of(net));
    }

    @Test
    void unknownOperatorNamesAreReportedWithTheKnownOnes() {
        MultiLayerNetwork net = MultiLayerExportTest.supernet(DataType.FLOAT, CNN2DFormat.NCHW, false, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SearchedStructure.of(net).operator("conv9"));
        assertTrue(e.getMessage().contains("conv9") && e.getMessage().contains("conv1, conv2, dense"), e.getMessage());
    }

    @Test
    void aDocumentThatIsNotAStructureIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> SearchedStructure.fromJson("[1, 2]"));
    }
}
