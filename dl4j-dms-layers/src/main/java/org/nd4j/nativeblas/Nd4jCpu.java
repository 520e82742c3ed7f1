package org.nd4j.nativeblas;

/**
 * Answers DL4J 1.0.0-M2.1's look-up of whether oneDNN is in use, so that DL4J's own oneDNN layer helpers can
 * switch on.
 *
 * <p>DL4J's {@code BaseMKLDNNHelper.mklDnnEnabled()} loads the class {@code org.nd4j.nativeblas.Nd4jCpu$Environment}
 * by name and calls {@code getInstance().isUseMKLDNN()}. ND4J 1.0.0-M2.1 moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and renamed the method {@code isUseONEDNN()},
 * so the look-up fails and every helper stays off. This class stands at the old name and forwards to the new one
 * ({@code false} when ND4J's CPU backend is not on the classpath). It changes nothing: whether DL4J uses its
 * helpers is still DL4J's system property {@code org.eclipse.deeplearning4j.helpers.disable}; see
 * {@link io.dl4jdms.layers.OneDnn}.
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    /** The stand-in for ND4J's native environment: only what DL4J's look-up calls. */
    public static final class Environment {

        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        /** The one instance, as ND4J's own {@code getInstance()}. */
        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether libnd4j uses oneDNN: ND4J's {@code isUseONEDNN()} of the CPU backend, false without it. */
        public boolean isUseMKLDNN() {
            return io.dl4jdms.layers.OneDnn.nativeUsesOneDnn();
        }
    }
}
