package dev.errand.server;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A duration as a person types it on the command line: {@code 5m}, {@code 1h30m}, {@code 2d},
 * {@code 500ms}, or ISO-8601 ({@code PT5M}). The HTTP API takes ISO-8601 only.
 */
final class CliDuration {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");
  private static final Pattern SHORT = Pattern.compile("(\\d+(ms|d|h|m|s))+");

  private CliDuration() {}

  /** {@code text} as a duration, or an IllegalArgumentException naming {@code option}. */
  static Duration parse(String option, String text) {
    String trimmed = text.trim().toLowerCase(Locale.ROOT);
    if (SHORT.matcher(trimmed).matches()) {
      Duration total = Duration.ZERO;
      Matcher part = PART.matcher(trimmed);
      try {
        while (part.find()) {
          long n = Long.parseLong(part.group(1));
          total =
              total.plus(
                  switch (part.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                  });
        }
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException(option + " is too long: '" + text + "'");
      }
      return total;
    }
    try {
      return Duration.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option + " must be a duration such as 30s, 5m, 1h30m, 2d or PT5M, was '" + text + "'");
    }
  }

  /** Like {@link #parse}, refusing zero and negative durations. */
  static Duration positive(String option, String text) {
    Duration parsed = parse(option, text);
    if (parsed.isNegative() || parsed.isZero()) {
      throw new IllegalArgumentException(option + " must be positive, was " + text);
    }
    return parsed;
  }
}
