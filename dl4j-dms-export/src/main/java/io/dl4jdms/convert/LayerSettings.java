package io.dl4jdms.convert;

import org.deeplearning4j.nn.api.layers.LayerConstraint;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;
import java.util.stream.Collectors;

/** Copies the settings every DL4J layer with parameters carries, when one layer replaces another. */
public final class LayerSettings {

    private LayerSettings() {
    }

    /** Name, dropout, constraints, initialisation, regularisation, updaters, weight noise, gradient normalisation. */
    public static void copyBase(BaseLayer from, BaseLayer to) {
        to.setLayerName(from.getLayerName());
        to.setIDropout(from.getIDropout() == null ? null : from.getIDropout().clone());
        to.setConstraints(from.getConstraints() == null ? null
                : from.getConstraints().stream().map(LayerConstraint::clone).collect(Collectors.toList()));
        to.setWeightInitFn(from.getWeightInitFn());
        to.setBiasInit(from.getBiasInit());
        to.setGainInit(from.getGainInit());
        to.setRegularization(copy(from.getRegularization()));
        to.setRegularizationBias(copy(from.getRegularizationBias()));
        to.setIUpdater(from.getIUpdater() == null ? null : from.getIUpdater().clone());
        to.setBiasUpdater(from.getBiasUpdater() == null ? null : from.getBiasUpdater().clone());
        to.setWeightNoise(from.getWeightNoise() == null ? null : from.getWeightNoise().clone());
        to.setGradientNormalization(from.getGradientNormalization());
        to.setGradientNormalizationThreshold(from.getGradientNormalizationThreshold());
    }

    private static List<Regularization> copy(List<Regularization> regularization) {
        return regularization == null ? null
                : regularization.stream().map(Regularization::clone).collect(Collectors.toList());
    }
}
