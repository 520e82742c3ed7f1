package io.dl4jdms.trainingfree;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The As-ViT ranking of a set of architectures: dense ranks (equal values share a rank, the next value takes
 * the next rank) of {@code kappa} ascending and of {@code L^E} descending, and their sum; the smallest rank sum
 * wins. A {@code kappa} that is not finite (NaN or a singular kernel) ranks after every finite one, all such
 * sharing the last rank.
 */
public final class Ranking {

    private final List<Entry> entries;
    private final int nonFiniteKappas;

    private Ranking(List<Entry> entries, int nonFiniteKappas) {
        this.entries = entries;
        this.nonFiniteKappas = nonFiniteKappas;
    }

    /**
     * One ranked architecture.
     *
     * @param index      its position in the list given to {@link #of}
     * @param scores     its scores
     * @param kappaRank  dense rank of {@code kappa}, ascending, from 1
     * @param lengthRank dense rank of {@code L^E}, descending, from 1
     */
    public record Entry(int index, TrainingFreeScores.Scores scores, int kappaRank, int lengthRank) {

        /** {@code kappaRank + lengthRank}: smaller is better. */
        public int rankSum() {
            return kappaRank + lengthRank;
        }
    }

    /** Ranks {@code scores}; the entries keep their order. */
    public static Ranking of(List<TrainingFreeScores.Scores> scores) {
        if (scores.isEmpty()) {
            throw new IllegalArgumentException("nothing to rank: no scores");
        }
        TreeSet<Double> kappas = new TreeSet<>();
        TreeSet<Double> lengths = new TreeSet<>();
        int nonFinite = 0;
        for (TrainingFreeScores.Scores s : scores) {
            if (!Double.isFinite(s.lengthDistortion())) {
                throw new IllegalArgumentException("length distortion " + s.lengthDistortion() + " cannot be ranked");
            }
            kappas.add(kappaKey(s));
            lengths.add(-s.lengthDistortion());
            nonFinite += s.ntk().isFinite() ? 0 : 1;
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            TrainingFreeScores.Scores s = scores.get(i);
            entries.add(new Entry(i, s, kappas.headSet(kappaKey(s), true).size(),
                    lengths.headSet(-s.lengthDistortion(), true).size()));
        }
        return new Ranking(entries, nonFinite);
    }

    private static double kappaKey(TrainingFreeScores.Scores s) {
        return s.ntk().isFinite() ? s.kappa() : Double.POSITIVE_INFINITY;
    }

    /** The entries, in the order of the scores given. */
    public List<Entry> entries() {
        return entries;
    }

    /** The entry with the smallest rank sum; ties go to the smaller kappa rank, then the earlier entry. */
    public Entry best() {
        Entry best = entries.get(0);
        for (Entry e : entries) {
            if (e.rankSum() < best.rankSum() || (e.rankSum() == best.rankSum() && e.kappaRank() < best.kappaRank())) {
                best = e;
            }
        }
        return best;
    }

    /** How many of the scores had a {@code kappa} that is not finite (ranked last). */
    public int nonFiniteKappas() {
        return nonFiniteKappas;
    }
}
