package io.dl4jdms.arbiter.scores;

import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * What this package's score functions share: they score a {@link ComputationGraph} or {@link MultiLayerNetwork} on
 * the data an Arbiter {@link DataSource} (or the older {@link DataProvider}) gives as {@link DataSetIterator}s.
 */
abstract class NetworkScore implements ScoreFunction {

    /** The score of {@code model}; {@code data} gives the held-out (test) and training iterators. */
    abstract double score(Model model, Data data);

    /** The iterators of one scoring call. */
    interface Data {
        DataSetIterator train();

        DataSetIterator test();
    }

    @Override
    public double score(Object model, DataProvider provider, Map<String, Object> dataParameters) {
        return score(model(model), new Data() {
            public DataSetIterator train() {
                return iterator(provider.trainData(dataParameters), "trainData");
            }

            public DataSetIterator test() {
                return iterator(provider.testData(dataParameters), "testData");
            }
        });
    }

    @Override
    public double score(Object model, Class<? extends DataSource> source, Properties properties) {
        return score(model(model), new Data() {
            private DataSource instance;

            private DataSource source() {
                if (instance == null) {
                    instance = instantiate(source, properties);
                }
                return instance;
            }

            public DataSetIterator train() {
                return iterator(source().trainData(), "trainData");
            }

            public DataSetIterator test() {
                return iterator(source().testData(), "testData");
            }
        });
    }

    /** A configured instance of a data source class (public no-argument constructor). */
    public static DataSource instantiate(Class<? extends DataSource> source, Properties properties) {
        if (source == null) {
            throw new IllegalArgumentException("score function: no data source given");
        }
        try {
            DataSource s = source.getDeclaredConstructor().newInstance();
            s.configure(properties);
            return s;
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("data source " + source.getName()
                    + " cannot be created: it needs a public no-argument constructor", e);
        }
    }

    private DataSetIterator iterator(Object data, String which) {
        if (!(data instanceof DataSetIterator)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the data source's " + which
                    + " must be a DataSetIterator, got " + (data == null ? "null" : data.getClass().getName()));
        }
        DataSetIterator it = (DataSetIterator) data;
        if (it.resetSupported()) {
            it.reset();
        }
        return it;
    }

    private Model model(Object model) {
        if (model instanceof ComputationGraph || model instanceof MultiLayerNetwork) {
            return (Model) model;
        }
        throw new IllegalArgumentException(getClass().getSimpleName() + ": expected a ComputationGraph or a "
                + "MultiLayerNetwork, got " + (model == null ? "null" : model.getClass().getName()));
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return Arrays.asList(ComputationGraph.class, MultiLayerNetwork.class);
    }

    @Override
    public List<Class<?>> getSupportedDataTypes() {
        return Arrays.asList(DataSetIterator.class);
    }

    /** Checks that the input type of one example is given. */
    static org.deeplearning4j.nn.conf.inputs.InputType requireInput(org.deeplearning4j.nn.conf.inputs.InputType input,
                                                                   String scoreName) {
        if (input == null) {
            throw new IllegalArgumentException(scoreName + ": give the input type of one example, e.g. "
                    + "InputType.convolutional(28, 28, 1)");
        }
        return input;
    }

    /** Classification accuracy of {@code model} over all of {@code data}. */
    static double accuracy(Model model, DataSetIterator data) {
        org.nd4j.evaluation.classification.Evaluation e = new org.nd4j.evaluation.classification.Evaluation();
        if (model instanceof ComputationGraph) {
            ((ComputationGraph) model).doEvaluation(data, e);
        } else {
            ((MultiLayerNetwork) model).doEvaluation(data, e);
        }
        return e.accuracy();
    }
}
