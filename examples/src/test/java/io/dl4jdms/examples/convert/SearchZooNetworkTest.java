package io.dl4jdms.examples.convert;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example runs end to end with a tiny budget and saves a slim network of stock layers. */
class SearchZooNetworkTest {

    @Test
    void runsAndSavesAPlainNetwork(@TempDir File dir) throws Exception {
        File zip = new File(dir, "slim.zip");
        SearchZooNetwork.main(new String[] {"3", zip.getPath()});
        assertTrue(zip.isFile());
        ComputationGraph slim = ComputationGraph.load(zip, false);
        assertFalse(slim.getConfiguration().toJson().contains("io.dl4jdms"));
    }
}
