package io.dl4jdms.arbiter.scores;

import org.deeplearning4j.nn.api.Model;

/**
 * Classification accuracy on the held-out data (the data source's {@code testData()}), maximised: the score of a
 * DMS task's slim network or of any trained candidate.
 */
public class HeldOutAccuracy extends NetworkScore {

    @Override
    double score(Model model, Data data) {
        return accuracy(model, data.test());
    }

    @Override
    public boolean minimize() {
        return false;
    }

    @Override
    public String toString() {
        return "HeldOutAccuracy";
    }
}
