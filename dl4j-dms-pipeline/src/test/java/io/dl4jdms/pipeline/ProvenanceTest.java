package io.dl4jdms.pipeline;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvenanceTest {

    /** Settings of a made-up pipeline. */
    private record Settings(double target, long seed, int[] kernels) implements PipelineSettings {
        @Override
        public String pipelineName() {
            return "dms test";
        }

        @Override
        public long randomSeed() {
            return seed;
        }

        @Override
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", target);
            m.put("seed", seed);
            m.put("kernels", kernels);
            return m;
        }
    }

    private static MultiLayerNetwork network() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    @Test
    void travelsInTheModelZipAndTheModelStillLoadsWithPlainDl4j(@TempDir Path dir) throws IOException {
        Path zip = dir.resolve("model.zip");
        MultiLayerNetwork net = network();
        ModelSerializer.writeModel(net, zip.toFile(), true);
        assertEquals(Optional.empty(), Provenance.read(zip).map(p -> p.pipeline));

        Provenance written = Provenance.of(new Settings(0.5, 42L, new int[] {3, 5}), "embedded subset, 10 classes");
        written.writeInto(zip);
        written.writeInto(zip); // replaces, does not duplicate the entry
        Provenance read = Provenance.read(zip).orElseThrow();
        assertEquals("dms test", read.pipeline);
        assertEquals(Version.current(), read.version);
        assertEquals("embedded subset, 10 classes", read.data);
        assertEquals(42L, read.seed);
        assertEquals(written.created, read.created);
        assertEquals(Map.of("target", 0.5, "seed", 42, "kernels", List.of(3, 5)), read.settings);

        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(zip.toFile(), true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.getLayerWiseConfigurations().toJson(), restored.getLayerWiseConfigurations().toJson());
    }

    @Test
    void theSettingsMapIsTheCheckpointIdentity(@TempDir Path dir) throws IOException {
        SearchCheckpoint checkpoint = new SearchCheckpoint(dir);
        Settings settings = new Settings(0.5, 7L, new int[] {3});
        SearchCheckpoint.State state = SearchCheckpoint.start(settings, new SearchCheckpoint.State(), "search");
        org.deeplearning4j.nn.graph.ComputationGraph graph = new org.deeplearning4j.nn.graph.ComputationGraph(
                new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                        .addLayer("out", new OutputLayer.Builder().nIn(2).nOut(2).activation(Activation.SOFTMAX).build(), "in")
                        .setOutputs("out").build());
        graph.init();
        checkpoint.save(graph, state);
        assertTrue(checkpoint.load(new Settings(0.5, 7L, new int[] {3})).isPresent(), "equal settings resume");
        IOException e = assertThrows(IOException.class, () -> checkpoint.load(new Settings(0.25, 7L, new int[] {3})));
        assertTrue(e.getMessage().contains("target: checkpoint 0.5, now 0.25"), e.getMessage());
    }

    @Test
    void theVersionComesFromTheBuild() {
        assertFalse(Version.current().isBlank());
        assertFalse(Version.current().contains("${"), Version.current());
    }

    @Test
    void aDamagedProvenanceIsReportedNamingTheFile(@TempDir Path dir) throws IOException {
        Path zip = dir.resolve("bad.zip");
        try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new java.util.zip.ZipEntry(Provenance.ZIP_ENTRY));
            out.write("{not json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.closeEntry();
        }
        IOException e = assertThrows(IOException.class, () -> Provenance.read(zip));
        assertTrue(e.getMessage().contains("bad.zip"), e.getMessage());
    }
}
