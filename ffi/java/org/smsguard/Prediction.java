// SPDX-License-Identifier: MIT OR Apache-2.0
package org.smsguard;

/** The classification of one message: the same fields as the command's JSON. */
public final class Prediction {
    /** {@code marketing}, {@code verification}, {@code transactional} or {@code personal}. */
    public final String label;
    /** The label's probability. */
    public final float confidence;
    /** Probabilities of marketing, verification, transactional, personal, in that order. */
    public final float[] scores;
    /** Whether the app may fold the message away (never for a code or a person's message). */
    public final boolean fold;
    /** Only the first 1,024 characters were read. */
    public final boolean truncated;
    /** The verification code, or null. */
    public final Span code;
    /** The code's stated validity ({@code 5分钟}), or null. */
    public final Span codeValidity;
    /** The sender signature without its brackets, or null. */
    public final Span sender;
    /** A parcel pickup code, or null. */
    public final Span pickupCode;
    /** The reply-to-unsubscribe instruction as written, or null. */
    public final Span optOut;
    /** What to reply to unsubscribe ({@code T}, {@code TD}), or null. */
    public final String optOutReply;
    /** A secret other than a code (a reset or activation link, an initial or Wi-Fi password), or null. */
    public final Span secret;
    /** {@code reset_link}, {@code activation_link}, {@code initial_password}, {@code wlan_password}, or null. */
    public final String secretKind;
    /** What keeps the message from being folded: {@code code}, a secret kind, or null. */
    public final String protectedBy;
    /** What the code is for: {@code login}, {@code signup}, {@code payment}, {@code reset}, {@code binding}, {@code other}; null without a code. */
    public final String codePurpose;

    Prediction(String label, float confidence, float[] scores, boolean fold, boolean truncated,
            Span code, Span codeValidity, Span sender, Span pickupCode, Span optOut,
            String optOutReply, Span secret, String secretKind, String protectedBy,
            String codePurpose) {
        this.label = label;
        this.confidence = confidence;
        this.scores = scores;
        this.fold = fold;
        this.truncated = truncated;
        this.code = code;
        this.codeValidity = codeValidity;
        this.sender = sender;
        this.pickupCode = pickupCode;
        this.optOut = optOut;
        this.optOutReply = optOutReply;
        this.secret = secret;
        this.secretKind = secretKind;
        this.protectedBy = protectedBy;
        this.codePurpose = codePurpose;
    }
}
