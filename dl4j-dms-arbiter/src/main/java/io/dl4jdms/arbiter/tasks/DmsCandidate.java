package io.dl4jdms.arbiter.tasks;

import io.dl4jdms.search.Pipeline;
import io.dl4jdms.search.SearchSettings;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * One candidate of a study over DMS's own settings: what {@link io.dl4jdms.search.DmsSearch} is run with. The data
 * and output directory are the study's (a directory per candidate), not the candidate's.
 *
 * @param pipeline         scratch, pretrained or structure-only (the last does not retrain the slim network)
 * @param resource         "flops" or "params": what the target limits
 * @param target           the budget as a fraction of the supernet's resource, in (0, 1]
 * @param resourceWeight   {@code lambda_res}, the weight of the resource loss
 * @param searchEpochs     epochs of the search
 * @param retrainEpochs    epochs of retraining the slim network (and the uniform baseline)
 * @param pretrainEpochs   epochs of training the supernet first (pretrained and structure-only pipelines)
 * @param widthMultiplier  how much wider than the base network the from-scratch supernet is
 * @param depthMultiplier  how much deeper than the base network the from-scratch supernet is
 * @param batchSize        minibatch size
 * @param seed             seed of the supernet's initialisation and the batch order
 */
public record DmsCandidate(Pipeline pipeline, String resource, double target, double resourceWeight, int searchEpochs,
                           int retrainEpochs, int pretrainEpochs, double widthMultiplier, double depthMultiplier,
                           int batchSize, long seed) implements Serializable {

    /** The search settings of this candidate, for data in {@code data} (null: the embedded subset) and output in {@code out}. */
    public SearchSettings toSettings(Path data, Path out) {
        SearchSettings.Builder b = SearchSettings.builder().pipeline(pipeline).resourceWeight(resourceWeight)
                .searchEpochs(searchEpochs).retrainEpochs(retrainEpochs).pretrainEpochs(pretrainEpochs)
                .widthMultiplier(widthMultiplier).depthMultiplier(depthMultiplier).batchSize(batchSize).seed(seed)
                .data(data).out(out);
        if ("params".equals(resource)) {
            b.targetParams(target);
        } else if ("flops".equals(resource)) {
            b.targetFlops(target);
        } else {
            throw new IllegalArgumentException("DmsCandidate: resource must be \"flops\" or \"params\", got \"" + resource
                    + "\"");
        }
        return b.build();
    }
}
