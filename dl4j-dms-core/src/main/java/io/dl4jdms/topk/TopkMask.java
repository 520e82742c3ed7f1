package io.dl4jdms.topk;

/**
 * One evaluation of a top-k operator: the soft mask, its derivative with respect to the ratio, the
 * hard (0/1) mask of the k kept elements and the clamped ratio that produced them. Arrays are copied
 * out, so an instance is immutable.
 */
public final class TopkMask {
    private final double[] soft;
    private final double[] softDerivative;
    private final boolean[] kept;
    private final double ratio;

    TopkMask(double[] soft, double[] softDerivative, boolean[] kept, double ratio) {
        this.soft = soft;
        this.softDerivative = softDerivative;
        this.kept = kept;
        this.ratio = ratio;
    }

    /** {@code m_i}, in (0, 1]. */
    public double[] soft() {
        return soft.clone();
    }

    /** {@code dm_i/da}. */
    public double[] softDerivative() {
        return softDerivative.clone();
    }

    /** The hard mask: true for the k kept elements. */
    public boolean[] kept() {
        return kept.clone();
    }

    /** The hard mask as 0/1 values. */
    public double[] hard() {
        double[] hard = new double[kept.length];
        for (int i = 0; i < kept.length; i++) {
            hard[i] = kept[i] ? 1.0 : 0.0;
        }
        return hard;
    }

    /** The number of kept elements k. */
    public int keptSize() {
        int k = 0;
        for (boolean b : kept) {
            k += b ? 1 : 0;
        }
        return k;
    }

    /** The soft count {@code sum_i m_i}, whose derivative is {@link #softCountDerivative()}. */
    public double softCount() {
        double sum = 0;
        for (double m : soft) {
            sum += m;
        }
        return sum;
    }

    /** {@code d(sum_i m_i)/da}. */
    public double softCountDerivative() {
        double sum = 0;
        for (double d : softDerivative) {
            sum += d;
        }
        return sum;
    }

    /** The clamped ratio {@code a} the mask was computed with. */
    public double ratio() {
        return ratio;
    }

    /** N, the operator's size. */
    public int size() {
        return soft.length;
    }

    /**
     * {@code dL/da = sum_i dL/dm_i * dm_i/da}, given the loss gradient with respect to each mask element.
     */
    public double ratioGradient(double[] maskGradient) {
        if (maskGradient.length != soft.length) {
            throw new IllegalArgumentException("mask gradient has " + maskGradient.length
                    + " elements, the operator has " + soft.length);
        }
        double sum = 0;
        for (int i = 0; i < soft.length; i++) {
            sum += maskGradient[i] * softDerivative[i];
        }
        return sum;
    }
}
