/**
 * Supernet builders for the network families searched most: {@link io.dl4jdms.supernet.ResNetSupernet}
 * (basic or bottleneck residual blocks) and {@link io.dl4jdms.supernet.MobileNetV2Supernet} (inverted
 * residual blocks). Each returns an ordinary {@code ComputationGraphConfiguration} with every searchable
 * width and depth wired to a top-k operator, widened and deepened by the multipliers of the from-scratch
 * pipeline. The builders share their options through {@link io.dl4jdms.supernet.SupernetBuilder}.
 */
package io.dl4jdms.supernet;
