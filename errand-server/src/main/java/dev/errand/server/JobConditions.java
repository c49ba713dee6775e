package dev.errand.server;

import dev.errand.JobOrder;
import dev.errand.JobQuery;
import java.util.regex.Pattern;

/**
 * Conditions on a job's args and metadata as the dashboard's filter and the API's {@code where}
 * parameter take them: {@code args.address.city=Paris and metadata.request=r-1}, each {@code
 * args.<path>=<value>} or {@code metadata.<key>=<value>}, joined by "and" (or commas), all of which
 * must hold (see {@link JobQuery#withArg} and {@link JobQuery#withMetadata}).
 */
final class JobConditions {
  private JobConditions() {}

  private static final Pattern SEPARATOR =
      Pattern.compile("\\s+and\\s+|\\s*,\\s*", Pattern.CASE_INSENSITIVE);

  /**
   * The order {@code text} names, {@code oldest} or {@code newest}, or a 400 naming the {@code
   * order} parameter: of {@code GET /api/jobs} and of the dashboard's jobs list.
   */
  static JobOrder order(String text) {
    return switch (text) {
      case "oldest" -> JobOrder.OLDEST_FIRST;
      case "newest" -> JobOrder.NEWEST_FIRST;
      default ->
          throw ApiError.badRequest("order", "order must be oldest or newest, was '" + text + "'");
    };
  }

  /**
   * {@code query} with the conditions of {@code where}; refused (400, field where) if malformed.
   */
  static JobQuery where(JobQuery query, String where) {
    for (String condition : SEPARATOR.split(where.trim())) {
      query = withCondition(query, condition.trim());
    }
    return query;
  }

  private static JobQuery withCondition(JobQuery query, String condition) {
    int equals = condition.indexOf('=');
    String name = equals < 0 ? "" : condition.substring(0, equals).trim();
    String value = equals < 0 ? "" : condition.substring(equals + 1).trim();
    try {
      if (name.startsWith("args.")) {
        return query.withArg(name.substring("args.".length()), value);
      }
      if (name.startsWith("metadata.")) {
        return query.withMetadata(name.substring("metadata.".length()), value);
      }
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "where", e.getMessage());
    }
    throw new ApiError(
        400,
        "where",
        "a condition is args.<path>=<value> or metadata.<key>=<value> (joined by 'and'), was '"
            + condition
            + "'");
  }
}
