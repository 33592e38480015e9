// SPDX-License-Identifier: MIT OR Apache-2.0
package org.smsguard;

/** A piece of the message: its text and its range as {@code String} indices (UTF-16). */
public final class Span {
    /** The text, as written in the message. */
    public final String text;
    /** Index of its first char in the message. */
    public final int start;
    /** Index one past its last char. */
    public final int end;

    Span(String text, int start, int end) {
        this.text = text;
        this.start = start;
        this.end = end;
    }
}
