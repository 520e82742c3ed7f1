/**
 * The mathematics of the differentiable top-k operator of Differentiable Model Scaling (DMS), kept
 * apart from any network code: plain {@code double[]} in, plain values out.
 *
 * <p>One operator controls one structural size N (the output channels of a layer, the features of
 * a dense layer, the blocks of a stage). Its state is a learnable ratio {@code a} (the fraction of
 * elements pruned) and an importance vector {@code c} of length N. See {@link io.dl4jdms.topk.TopK}
 * for the mask and {@link io.dl4jdms.topk.ImportanceMethod} for the importance update.
 */
package io.dl4jdms.topk;
