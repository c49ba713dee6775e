package dev.errand.server;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as users write them: ISO-8601 ({@code PT5M}) in the HTTP API's JSON; on the command
 * line also as a person types them, {@code 5m}, {@code 1h30m}, {@code 2d}, {@code 500ms}. A refusal
 * is an {@link ApiError} naming the field or flag.
 */
final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|d|h|m|s)");
  private static final Pattern SHORT = Pattern.compile("(\\d+(ms|d|h|m|s))+");

  private Durations() {}

  /**
   * {@code text} as a duration, refused naming {@code name}: in ISO-8601, whose refusal gives
   * {@code isoExamples}, or, when {@code shortForms}, also short.
   */
  static Duration parse(String name, String text, boolean shortForms, String isoExamples) {
    if (!shortForms) {
      try {
        return Duration.parse(text);
      } catch (DateTimeParseException e) {
        throw ApiError.badRequest(
            name,
            name + " must be an ISO-8601 duration such as " + isoExamples + ", was '" + text + "'");
      }
    }
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
        throw ApiError.badRequest(name, name + " is too long: '" + text + "'");
      }
      return total;
    }
    try {
      return Duration.parse(text.trim());
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(
          name,
          name + " must be a duration such as 30s, 5m, 1h30m, 2d or PT5M, was '" + text + "'");
    }
  }

  /** A flag's duration, short or ISO-8601, refusing zero and negative ones. */
  static Duration positive(String flag, String text) {
    Duration parsed = parse(flag, text, true, "PT5M");
    if (parsed.isNegative() || parsed.isZero()) {
      throw ApiError.badRequest(flag, flag + " must be positive, was " + text);
    }
    return parsed;
  }
}
