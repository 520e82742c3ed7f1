package io.dl4jdms.layers.impl;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The implementation of {@link io.dl4jdms.layers.GatedResidual}: {@code x + m[:, block] * f(x)}. */
public class GatedResidual extends ParameterlessVertex {

    private final int block;

    public GatedResidual(ComputationGraph graph, String name, int vertexIndex, int block, DataType dataType) {
        super(graph, name, vertexIndex, dataType, "GatedResidual vertex");
        this.block = block;
    }

    /** This block's index in its stage. */
    public int block() {
        return block;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        requireInputs();
        INDArray x = inputs[0];
        INDArray branch = inputs[1];
        INDArray gate = gate(inputs[2]);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, branch.dataType(), branch.shape(), 'c');
        if (FusedMasks.applies(x, branch, out)) {
            FusedMasks.gatedForward(x, branch, gate, out);
            return out;
        }
        Broadcast.mul(branch, gate, out, 0);
        return out.addi(x);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        requireEpsilon();
        INDArray branch = inputs[1];
        INDArray mask = inputs[2];
        INDArray gate = gate(mask);
        INDArray epsilonBranch = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                epsilon.shape(), 'c');
        INDArray epsilonMask = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, mask.dataType(), mask.shape(), 'c');
        if (FusedMasks.applies(epsilon, branch, epsilonBranch)) {
            INDArray epsilonX = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(),
                    epsilon.shape(), 'c');
            if (FusedMasks.applies(epsilonX)) {
                double[] perExample = FusedMasks.gatedBackward(epsilon, branch, gate, epsilonX, epsilonBranch);
                epsilonMask.get(NDArrayIndex.all(), NDArrayIndex.point(block))
                        .assign(Nd4j.createFromArray(perExample).castTo(epsilon.dataType()));
                return new Pair<>(null, new INDArray[] {epsilonX, epsilonBranch, epsilonMask});
            }
        }
        INDArray epsilonX = workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon);
        Broadcast.mul(epsilon, gate, epsilonBranch, 0);
        // dL/dgate[n] = sum over the example's values of eps * branch: one dot product per example.
        int[] exampleAxes = new int[epsilon.rank() - 1];
        for (int i = 0; i < exampleAxes.length; i++) {
            exampleAxes[i] = i + 1;
        }
        INDArray perExample = ProductSums.sumOfProducts(epsilon, branch,
                Nd4j.createUninitialized(epsilon.dataType(), epsilon.size(0)), exampleAxes);
        epsilonMask.get(NDArrayIndex.all(), NDArrayIndex.point(block)).assign(perExample);
        return new Pair<>(null, new INDArray[] {epsilonX, epsilonBranch, epsilonMask});
    }

    private INDArray gate(INDArray mask) {
        if (mask.size(1) <= block) {
            throw new IllegalStateException("GatedResidual vertex '" + vertexName + "': block " + block
                    + " but the depth mask has " + mask.size(1) + " columns");
        }
        return mask.get(NDArrayIndex.all(), NDArrayIndex.point(block)).dup();
    }

    @Override
    public String toString() {
        return "GatedResidual(name=\"" + vertexName + "\", block=" + block + ")";
    }
}
