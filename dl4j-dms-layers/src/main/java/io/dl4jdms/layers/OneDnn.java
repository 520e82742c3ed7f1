package io.dl4jdms.layers;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the fast CPU path is in use: libnd4j built with oneDNN (nd4j-native classifier
 * {@code linux-x86_64-onednn}) and DL4J's own oneDNN layer helpers switched on.
 *
 * <p>Two switches decide it, both of them ND4J's or DL4J's own:
 * <ul>
 *   <li>the native build: JavaCPP loads the oneDNN build only with the JVM option
 *       {@code -Dorg.bytedeco.javacpp.platform.extension=-onednn} and that classifier on the classpath;</li>
 *   <li>DL4J's helpers: off in DL4J 1.0.0-M2.1 unless {@code -Dorg.eclipse.deeplearning4j.helpers.disable=false}
 *       is set before the networks are built. {@link #HELPERS_PROPERTY} {@code =true} is the off switch.</li>
 * </ul>
 * DL4J's look-up of the oneDNN state fails in 1.0.0-M2.1 (it names a class that ND4J moved); this module ships
 * a stand-in at the old name ({@code org.nd4j.nativeblas.Nd4jCpu.Environment}) that answers it from
 * {@link #nativeUsesOneDnn()}. Nothing here sets a property or changes ND4J's state.
 *
 * <p>Without the fast path everything still runs, on DL4J's own Java path, with the same results up to float
 * rounding; {@link #logStatusOnce()} says once, in one line, why the fast path is off.
 */
public final class OneDnn {

    /** DL4J's system property that disables its layer helpers ("true", DL4J's default, or "false"). */
    public static final String HELPERS_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();
    private static volatile Boolean inBuild;
    /** ND4J's CPU environment and its {@code isUseONEDNN()}; null when the CPU backend is not there. */
    private static final Object ENVIRONMENT;
    private static final Method IS_USE_ONEDNN;

    static {
        Object environment = null;
        Method isUse = null;
        try {
            Class<?> type = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
            isUse = type.getMethod("isUseONEDNN");
            environment = type.getMethod("getInstance").invoke(null);
        } catch (ReflectiveOperationException | LinkageError e) {
            isUse = null;
        }
        ENVIRONMENT = environment;
        IS_USE_ONEDNN = isUse;
    }

    private OneDnn() {
    }

    /** Whether the loaded libnd4j was built with oneDNN (its build information lists {@code HAVE_ONEDNN}). */
    public static boolean inNativeBuild() {
        Boolean known = inBuild;
        if (known == null) {
            boolean found;
            try {
                Nd4j.getBackend();
                String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
                found = info != null && info.contains("HAVE_ONEDNN");
            } catch (Throwable t) {
                found = false;
            }
            inBuild = known = found;
        }
        return known;
    }

    /**
     * Whether libnd4j runs its oneDNN implementations now: a oneDNN build, its oneDNN switch on and its
     * platform helpers allowed ({@code Nd4j.getEnvironment().allowHelpers(false)} turns them all off).
     */
    public static boolean nativeUsesOneDnn() {
        if (IS_USE_ONEDNN == null || ENVIRONMENT == null || !inNativeBuild()
                || !Nd4j.getEnvironment().helpersAllowed()) {
            return false;
        }
        try {
            return (boolean) IS_USE_ONEDNN.invoke(ENVIRONMENT);
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /** Whether DL4J creates its layer helpers: {@link #HELPERS_PROPERTY} is {@code false}. */
    public static boolean helpersEnabled() {
        return "false".equalsIgnoreCase(System.getProperty(HELPERS_PROPERTY, "true"));
    }

    /** Whether layers built now run on the fast path: oneDNN in use and DL4J's helpers enabled. */
    public static boolean active() {
        return helpersEnabled() && nativeUsesOneDnn();
    }

    /**
     * Whether this project's layers compute arrays of the given type on the fast path: oneDNN supports float only,
     * so double precision (gradient checks) always takes the reference path.
     */
    public static boolean fastPathFor(DataType type) {
        return type == DataType.FLOAT && active();
    }

    /** One line: the fast path's state and, when it is off, why and what turns it on. */
    public static String status() {
        if (active()) {
            return "oneDNN fast path on (libnd4j oneDNN build, DL4J layer helpers on)";
        }
        if (!inNativeBuild()) {
            return "oneDNN fast path off: the loaded nd4j-native build has no oneDNN (use the classifier "
                    + "linux-x86_64-onednn and -Dorg.bytedeco.javacpp.platform.extension=-onednn)";
        }
        if (!nativeUsesOneDnn()) {
            return "oneDNN fast path off: libnd4j's oneDNN helpers are switched off (Nd4j.getEnvironment().allowHelpers)";
        }
        return "oneDNN fast path off: DL4J's layer helpers are disabled (-D" + HELPERS_PROPERTY + "=false turns them on)";
    }

    /**
     * Logs {@link #status()} once per JVM, at info level when on and at warn level when off; the first
     * {@code TopkConv} or {@code SuperkernelDepthwise} layer built calls it.
     */
    public static void logStatusOnce() {
        if (LOGGED.compareAndSet(false, true)) {
            if (active()) {
                LOG.info(status());
            } else {
                LOG.warn(status());
            }
        }
    }
}
