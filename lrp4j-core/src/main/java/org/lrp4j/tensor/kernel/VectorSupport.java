package org.lrp4j.tensor.kernel;

/**
 * Whether the incubating Vector API ({@code jdk.incubator.vector}) is in the boot layer. The Vector API kernels
 * live in their own classes and are only loaded after this check, so the engine runs (slower) without the module.
 */
public final class VectorSupport {
    private VectorSupport() {
    }

    private static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
            && !Boolean.getBoolean("lrp4j.noVector");

    public static boolean available() {
        return AVAILABLE;
    }

    static GemmKernel vectorGemm() {
        return new VectorSgemm();
    }

    static FmaLoop vectorFmaLoop() {
        return new VectorFmaLoop();
    }

    static AddKernel vectorAdd() {
        return new VectorAdd();
    }

    static LocalResponse.Row vectorLocalResponse() {
        return new VectorLocalResponse();
    }
}
