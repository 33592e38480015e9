// SPDX-License-Identifier: MIT OR Apache-2.0
package org.smsguard;

/**
 * smsguard for Android (or any JVM): sorts a Chinese SMS into marketing, verification,
 * transactional or personal, on the device. The native code is {@code libsmsguard_ffi.so}
 * (crate {@code smsguard-ffi}, feature {@code jni}).
 *
 * <p>One instance is immutable and safe to share between threads; close it (or use
 * try-with-resources) to free the native model. Calls after {@link #close()} throw
 * {@link IllegalStateException}.
 */
public final class SmsGuard implements AutoCloseable {
    static {
        System.loadLibrary("smsguard_ffi");
    }

    private volatile long handle;

    private SmsGuard(long handle) {
        this.handle = handle;
    }

    /** The classifier with the model embedded in the library. */
    public static SmsGuard withDefaultModel() {
        return new SmsGuard(nativeNewDefault());
    }

    /**
     * A classifier from a model file's bytes.
     *
     * @throws IllegalArgumentException saying what was expected, if the bytes are not a model
     */
    public static SmsGuard fromBytes(byte[] model) {
        return new SmsGuard(nativeFromBytes(model));
    }

    /** The classification of one message; offsets in it are indices into {@code message}. */
    public Prediction classify(String message) {
        return nativeClassify(handle, message);
    }

    /**
     * The JSON object the {@code smsguard classify} command prints for this message ({@code
     * {"error": ...}} for an empty one); byte offsets refer to the message's UTF-8 encoding.
     */
    public String classifyJson(String message) {
        return nativeClassifyJson(handle, message);
    }

    @Override
    public synchronized void close() {
        long h = handle;
        handle = 0;
        nativeFree(h);
    }

    private static native long nativeNewDefault();

    private static native long nativeFromBytes(byte[] model);

    private static native Prediction nativeClassify(long handle, String message);

    private static native String nativeClassifyJson(long handle, String message);

    private static native void nativeFree(long handle);
}
