package io.dl4jdms.trainingfree;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Both scores against answers known in closed form. */
class ExactScoresTest {

    /** in -> dense (identity, no bias) -> [batch normalisation] -> softmax output. */
    static MultiLayerNetwork linear(int nIn, int nOut, boolean batchNorm, boolean bias, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed)
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(nOut).activation(Activation.IDENTITY).hasBias(bias).build());
        if (batchNorm) {
            list.layer(new BatchNormalization.Builder().nOut(nOut).build());
        }
        MultiLayerConfiguration conf = list.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(nOut)
                .nOut(3).activation(Activation.SOFTMAX).build()).setInputType(InputType.feedForward(nIn)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * f(x) = W^T x maps the unit circle to an ellipse: |df/dtheta| = |W^T (-u1 sin theta + u2 cos theta)|,
     * so L^E is a sum over the ten angles that needs no network.
     */
    @Test
    void lengthDistortionOfALinearNetworkIsTheEllipseSum() {
        MultiLayerNetwork net = linear(6, 4, false, false, 3);
        INDArray w = net.getParam("0_W").castTo(DataType.DOUBLE);   // [nIn, nOut]
        INDArray[] u = LengthDistortion.directions(new long[] {1, 6}, new Random(11));
        assertEquals(1.0, u[0].norm2Number().doubleValue(), 1e-12);
        assertEquals(1.0, u[1].norm2Number().doubleValue(), 1e-12);
        assertEquals(0.0, u[0].mul(u[1]).sumNumber().doubleValue(), 1e-12);
        double expected = 0;
        for (int n = 0; n < 10; n++) {
            double theta = 2 * Math.PI * n / 9;
            INDArray v = u[0].mul(-Math.sin(theta)).add(u[1].mul(Math.cos(theta)));
            expected += v.mmul(w).norm2Number().doubleValue();
        }
        double actual = LengthDistortion.builder().build().alongCircle(net, u[0], u[1]);
        assertEquals(expected, actual, 1e-9 * expected);
    }

    /** With W = diag(a, b) on the first two coordinates the ellipse has semi-axes a and b. */
    @Test
    void lengthDistortionOfAnAxisAlignedEllipse() {
        MultiLayerNetwork net = linear(2, 2, false, false, 3);
        net.setParam("0_W", Nd4j.createFromArray(new float[][] {{3, 0}, {0, 0.5f}}));
        INDArray e1 = Nd4j.createFromArray(new double[][] {{1, 0}});
        INDArray e2 = Nd4j.createFromArray(new double[][] {{0, 1}});
        double expected = 0;
        for (int n = 0; n < 10; n++) {
            double theta = 2 * Math.PI * n / 9;
            expected += Math.sqrt(9 * Math.sin(theta) * Math.sin(theta) + 0.25 * Math.cos(theta) * Math.cos(theta));
        }
        assertEquals(expected, LengthDistortion.builder().build().alongCircle(net, e1, e2), 1e-9);
    }

    /** Normalisation is the identity: the same initialisations with and without a BatchNormalization layer. */
    @Test
    void batchNormalisationIsTheIdentity() {
        LengthDistortion score = LengthDistortion.builder().initialisations(3).seed(5).build();
        double[] plain = score.scores(linear(6, 4, false, false, 3), InputType.feedForward(6));
        double[] normalised = score.scores(linear(6, 4, true, false, 3), InputType.feedForward(6));
        for (int r = 0; r < plain.length; r++) {
            assertEquals(plain[r], normalised[r], 1e-9 * plain[r], "initialisation " + r);
        }
        assertEquals(plain.length, 3);
        assertEquals((plain[0] + plain[1] + plain[2]) / 3, score.score(linear(6, 4, true, false, 3), InputType.feedForward(6)), 1e-9 * plain[0]);
    }

    /** For one dense layer the NTK of the summed outputs is nOut x_i . x_j (weights), plus nOut (biases). */
    @Test
    void ntkOfADenseLayerIsNOutTimesTheGramMatrix() {
        int nIn = 5;
        int nOut = 7;
        MultiLayerNetwork net = linear(nIn, nOut, false, true, 9);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 4, nIn).subi(0.5);
        INDArray gram = x.mmul(x.transpose());

        INDArray weightsOnly = NtkCondition.builder().dataType(DataType.DOUBLE).build().kernel(net, x);
        assertEquals(0.0, weightsOnly.sub(gram.mul(nOut)).amaxNumber().doubleValue(), 1e-12);

        INDArray withBias = NtkCondition.builder().dataType(DataType.DOUBLE).weightKeys("W", "b").build().kernel(net, x);
        assertEquals(0.0, withBias.sub(gram.mul(nOut).addi(nOut)).amaxNumber().doubleValue(), 1e-12);

        NtkCondition.Result result = NtkCondition.builder().dataType(DataType.DOUBLE).build().score(net, x);
        double[] eigen = SymmetricEigen.eigenvalues(gram.mul(nOut).toDoubleMatrix());
        assertEquals(NtkCondition.Status.FINITE, result.status());
        assertEquals(eigen[3] / eigen[0], result.kappa(), 1e-9 * result.kappa());
    }

    /** Eigenvalues of the tridiagonal (1, 2, 1) matrix are 2 - sqrt 2, 2, 2 + sqrt 2. */
    @Test
    void jacobiFindsKnownEigenvalues() {
        double[] values = SymmetricEigen.eigenvalues(new double[][] {{2, 1, 0}, {1, 2, 1}, {0, 1, 2}});
        assertEquals(2 - Math.sqrt(2), values[0], 1e-14);
        assertEquals(2, values[1], 1e-14);
        assertEquals(2 + Math.sqrt(2), values[2], 1e-14);
    }

    /** Q diag(d) Q^T for a random orthogonal Q and eigenvalues spread over 12 orders of magnitude. */
    @Test
    void jacobiKeepsSmallEigenvaluesAccurate() {
        int n = 16;
        Random random = new Random(2);
        double[][] q = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                q[i][j] = random.nextGaussian();
            }
        }
        for (int i = 0; i < n; i++) {      // Gram-Schmidt on the rows
            for (int k = 0; k < i; k++) {
                double dot = 0;
                for (int j = 0; j < n; j++) {
                    dot += q[i][j] * q[k][j];
                }
                for (int j = 0; j < n; j++) {
                    q[i][j] -= dot * q[k][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < n; j++) {
                norm += q[i][j] * q[i][j];
            }
            for (int j = 0; j < n; j++) {
                q[i][j] /= Math.sqrt(norm);
            }
        }
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = Math.pow(10, -4 + 0.5 * i);
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    a[i][j] += q[k][i] * d[k] * q[k][j];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                a[i][j] = a[j][i];
            }
        }
        double[] values = SymmetricEigen.eigenvalues(a);
        assertEquals(d[n - 1], values[n - 1], 1e-12 * d[n - 1]);
        assertEquals(d[0], values[0], 1e-3 * d[0]);
    }
}
