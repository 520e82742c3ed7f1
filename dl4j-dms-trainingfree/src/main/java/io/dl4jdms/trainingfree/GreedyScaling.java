package io.dl4jdms.trainingfree;

import io.dl4jdms.resource.ResourceKind;
import io.dl4jdms.resource.ResourceModel;
import io.dl4jdms.pipeline.SearchProgress;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The As-ViT grow step, repeated: from a seed architecture, each step's candidates are "one more block in one
 * stage" crossed with "width multiplier times {@code 1 + g}" for each growth {@code g} (default 0.05, 0.10, 0.15,
 * 0.20); candidates above the budget (FLOPs or parameters of the full supernet, as {@link ResourceModel} counts
 * them) are dropped without scoring, the rest are scored and {@link Ranking ranked}, and the smallest rank sum is
 * the next architecture. The scaling stops when no candidate fits.
 *
 * <pre>{@code
 * ScalingOutcome outcome = GreedyScaling.builder(Architecture.seed("resnet"), images)
 *         .classes(10).budget(ResourceKind.FLOPS, 2e6).build().run();   // input size from the images
 * }</pre>
 */
public final class GreedyScaling {

    /** The authors' width growths. */
    public static final double[] DEFAULT_GROWTHS = {0.05, 0.10, 0.15, 0.20};

    private final Builder b;

    private GreedyScaling(Builder b) {
        this.b = b;
    }

    /**
     * @param seed   the architecture to grow
     * @param images the NTK's minibatch of real images (NCHW, at least 2)
     */
    public static Builder builder(Architecture seed, INDArray images) {
        return new Builder(seed, images);
    }

    /**
     * Grows the seed until nothing fits.
     *
     * @throws IllegalArgumentException if the seed itself is above the budget
     */
    public ScalingOutcome run() {
        long start = System.nanoTime();
        InputType input = InputType.convolutional(b.height, b.width, b.channels);
        ScalingOutcome.Candidate current = measure(b.seed, input);
        if (current.resource(b.kind) > b.budget) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the seed %s has %.0f %s, above the budget "
                    + "%.0f", b.seed.describe(), current.resource(b.kind), b.kind.name().toLowerCase(Locale.ROOT), b.budget));
        }
        b.progress.startPhase("score seed", 1);
        current = current.scored(score(b.seed, input));
        b.progress.step("");
        b.progress.endPhase();
        List<ScalingOutcome.Step> steps = new ArrayList<>();
        steps.add(new ScalingOutcome.Step(0, List.of(current), 0, 0));
        int nonFinite = current.scores().ntk().isFinite() ? 0 : 1;
        for (int step = 1; step <= b.maxSteps; step++) {
            List<ScalingOutcome.Candidate> candidates = new ArrayList<>();
            for (int stage = 0; stage < current.architecture().stages(); stage++) {
                for (double g : b.growths) {
                    candidates.add(measure(current.architecture().grown(stage, 1 + g), input));
                }
            }
            List<Integer> fitting = new ArrayList<>();
            for (int i = 0; i < candidates.size(); i++) {
                if (candidates.get(i).resource(b.kind) <= b.budget) {
                    fitting.add(i);
                }
            }
            if (fitting.isEmpty()) {
                b.log.accept(String.format(Locale.ROOT, "step %d: none of the %d candidates fits the budget: done",
                        step, candidates.size()));
                break;
            }
            b.progress.startPhase("step " + step, fitting.size());
            List<TrainingFreeScores.Scores> scores = new ArrayList<>();
            for (int i : fitting) {
                TrainingFreeScores.Scores s = score(candidates.get(i).architecture(), input);
                scores.add(s);
                b.progress.step(String.format(Locale.ROOT, "L^E %.3g kappa %.3g", s.lengthDistortion(), s.kappa()));
            }
            b.progress.endPhase();
            Ranking ranking = Ranking.of(scores);
            for (Ranking.Entry e : ranking.entries()) {
                int i = fitting.get(e.index());
                candidates.set(i, candidates.get(i).scored(e.scores()).ranked(e.kappaRank(), e.lengthRank()));
            }
            nonFinite += ranking.nonFiniteKappas();
            int chosen = fitting.get(ranking.best().index());
            current = candidates.get(chosen);
            steps.add(new ScalingOutcome.Step(step, candidates, chosen, ranking.nonFiniteKappas()));
            b.log.accept(String.format(Locale.ROOT, "step %d: %s, %.0f FLOPs, %.0f params, L^E %.4g, kappa %.4g "
                            + "(%d of %d candidates fit)", step, current.architecture().describe(), current.flops(),
                    current.params(), current.scores().lengthDistortion(), current.scores().kappa(), fitting.size(),
                    candidates.size()));
        }
        return new ScalingOutcome(b.kind, b.budget, steps, nonFinite, (System.nanoTime() - start) / 1e9);
    }

    private ScalingOutcome.Candidate measure(Architecture architecture, InputType input) {
        ComputationGraph net = network(architecture);
        ResourceModel model = ResourceModel.of(net, input);
        return new ScalingOutcome.Candidate(architecture, model.full(ResourceKind.FLOPS), model.full(ResourceKind.PARAMS),
                null, 0, 0);
    }

    private TrainingFreeScores.Scores score(Architecture architecture, InputType input) {
        return b.scores.score(network(architecture), input, b.images);
    }

    private ComputationGraph network(Architecture architecture) {
        ComputationGraph net = new ComputationGraph(architecture.configuration(b.height, b.width, b.channels,
                b.classes, b.seedValue));
        net.init();
        return net;
    }

    /** Settings of {@link GreedyScaling}; each setter checks its value. */
    public static final class Builder {

        private final Architecture seed;
        private final INDArray images;
        private int height = 28;
        private int width = 28;
        private int channels = 1;
        private int classes = 10;
        private ResourceKind kind = ResourceKind.FLOPS;
        private double budget = Double.NaN;
        private double[] growths = DEFAULT_GROWTHS.clone();
        private int maxSteps = 100;
        private long seedValue = 42;
        private TrainingFreeScores scores = TrainingFreeScores.builder().build();
        private SearchProgress progress = SearchProgress.NONE;
        private Consumer<String> log = s -> { };

        private Builder(Architecture seed, INDArray images) {
            if (seed == null) {
                throw new IllegalArgumentException("the seed architecture must not be null");
            }
            if (images == null || images.rank() != 4 || images.size(0) < 2) {
                throw new IllegalArgumentException("greedy scaling needs at least 2 NCHW images for the NTK, got "
                        + (images == null ? "none" : java.util.Arrays.toString(images.shape())));
            }
            this.seed = seed;
            this.images = images;
            this.height = (int) images.size(2);
            this.width = (int) images.size(3);
            this.channels = (int) images.size(1);
        }

        /** The number of classes of the networks' output; default 10. */
        public Builder classes(int classes) {
            if (classes < 2) {
                throw new IllegalArgumentException("classes must be at least 2, got " + classes);
            }
            this.classes = classes;
            return this;
        }

        /** The budget: FLOPs (multiply-accumulates of one example) or parameters, absolute, > 0. */
        public Builder budget(ResourceKind kind, double budget) {
            if (kind != ResourceKind.FLOPS && kind != ResourceKind.PARAMS) {
                throw new IllegalArgumentException("the budget must be FLOPS or PARAMS, got " + kind);
            }
            if (!(budget > 0) || Double.isInfinite(budget)) {
                throw new IllegalArgumentException("budget must be positive and finite, got " + budget);
            }
            this.kind = kind;
            this.budget = budget;
            return this;
        }

        /** The width growths {@code g} of the candidates (multiplier times {@code 1 + g}), each in [0, 1]. */
        public Builder growths(double... growths) {
            if (growths.length == 0) {
                throw new IllegalArgumentException("growths must have at least one value");
            }
            for (double g : growths) {
                if (!(g >= 0 && g <= 1)) {
                    throw new IllegalArgumentException("every growth must be in [0, 1], got " + g);
                }
            }
            this.growths = growths.clone();
            return this;
        }

        /** The most grow steps; default 100. */
        public Builder maxSteps(int maxSteps) {
            if (maxSteps < 0) {
                throw new IllegalArgumentException("maxSteps must be at least 0, got " + maxSteps);
            }
            this.maxSteps = maxSteps;
            return this;
        }

        /** The seed of the networks' configurations; default 42. */
        public Builder seed(long seed) {
            this.seedValue = seed;
            return this;
        }

        /** The scores' settings; default the authors'. */
        public Builder scores(TrainingFreeScores scores) {
            if (scores == null) {
                throw new IllegalArgumentException("scores must not be null");
            }
            this.scores = scores;
            return this;
        }

        public Builder progress(SearchProgress progress) {
            this.progress = progress == null ? SearchProgress.NONE : progress;
            return this;
        }

        /** Where one line per step goes; default nowhere. */
        public Builder log(Consumer<String> log) {
            this.log = log == null ? s -> { } : log;
            return this;
        }

        /** @throws IllegalArgumentException if no budget was set */
        public GreedyScaling build() {
            if (Double.isNaN(budget)) {
                throw new IllegalArgumentException("set a budget: budget(ResourceKind.FLOPS or PARAMS, value)");
            }
            return new GreedyScaling(this);
        }
    }
}
