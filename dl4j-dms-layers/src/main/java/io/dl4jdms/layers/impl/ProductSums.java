package io.dl4jdms.layers.impl;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code sum(a * b)} over some axes in one pass and without the product array: one dot product per remaining
 * index (libnd4j's {@code dot} reduction along dimensions). What the mask gradients need:
 * {@code dL/dm = sum(eps * x)} per channel, per example and channel, or per example.
 */
final class ProductSums {

    private ProductSums() {
    }

    /**
     * {@code sum(a * b)} over {@code axes} into {@code out} (shaped as the axes that remain), returned. The
     * reduction walks both arrays with the same strides, so an array not in plain {@code c} order (a permuted view,
     * as DL4J's Java convolution path hands back) is copied first.
     */
    static INDArray sumOfProducts(INDArray a, INDArray b, INDArray out, int... axes) {
        Nd4j.exec(new Dot(plain(a), plain(b), out, axes));
        return out;
    }

    private static INDArray plain(INDArray x) {
        return x.ordering() == 'c' && Shape.hasDefaultStridesForShape(x) ? x : x.dup('c');
    }
}
