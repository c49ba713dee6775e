package dev.errand;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * When a {@link PeriodicJob} runs: the instants of its slots. Every node computes the same slots
 * from the same schedule, which is what lets them agree that a slot was already enqueued.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface Schedule {

  /** The macros {@link #cron(String)} accepts, and the five-field expressions they stand for. */
  Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@hourly", "0 * * * *");

  /**
   * A cron expression evaluated in UTC. See {@link #cron(String, ZoneId)}.
   *
   * @throws IllegalArgumentException naming the expression and what is wrong with it
   */
  static Schedule cron(String expression) {
    return cron(expression, ZoneOffset.UTC);
  }

  /**
   * A cron expression evaluated in {@code zone}: five fields (minute hour day-of-month month
   * day-of-week, as in crontab), or six with seconds first, or one of the {@link #MACROS} such as
   * {@code @hourly}. Across a daylight-saving change, slots follow the zone's wall clock.
   *
   * @throws IllegalArgumentException naming the expression and what is wrong with it
   */
  static Schedule cron(String expression, ZoneId zone) {
    return new Cron(expression, zone);
  }

  /**
   * A slot every {@code interval}, aligned to the Unix epoch (every 15 minutes means :00, :15, :30
   * and :45 of each hour UTC), so all nodes agree on the slots whenever they start.
   *
   * @throws IllegalArgumentException if the interval is shorter than a second, not whole seconds,
   *     or longer than {@link EnqueueOptions#MAX_RUN_IN}
   */
  static Schedule every(Duration interval) {
    return new Every(interval);
  }

  /** The first slot strictly after {@code instant}, or empty if there is none. */
  Optional<Instant> next(Instant instant);

  /**
   * A schedule as written ({@link #toString()}: {@code every 15m}, {@code 0 3 * * 1-5}, {@code 0 3
   * * * * (Europe/Paris)}) in English words, as a dashboard shows it; the text as it is when it is
   * not such a schedule.
   */
  static String inWords(String written) {
    if (written.startsWith("every ")) {
      String words =
          written
              .substring("every ".length())
              .replaceAll("(\\d+)h", " $1 hours")
              .replaceAll("(\\d+)m", " $1 minutes")
              .replaceAll("(\\d+(?:\\.\\d+)?)s", " $1 seconds")
              .replaceAll("\\b1 (hour|minute|second)s", "1 $1")
              .trim();
      return "every " + words;
    }
    int zoneAt = written.indexOf(" (");
    String expression = zoneAt < 0 ? written : written.substring(0, zoneAt);
    String zone = zoneAt < 0 ? "UTC" : written.substring(zoneAt + 2, written.length() - 1);
    try {
      String words = Cron.describe(expression);
      String[] fields = MACROS.getOrDefault(expression.trim(), expression.trim()).split("\\s+");
      boolean everyDay =
          fields.length >= 5
              && fields[fields.length - 3].equals("*")
              && fields[fields.length - 2].equals("*")
              && fields[fields.length - 1].equals("*");
      // A time of day is the zone's: say which; "at 03:00" alone is every day's.
      return (everyDay && words.startsWith("at ") ? "every day " : "")
          + words
          + (words.contains("at ") ? " " + zone : "");
    } catch (RuntimeException e) {
      return written;
    }
  }

  /** The last slot at or before {@code instant}, or empty if there is none. */
  Optional<Instant> latest(Instant instant);

  /** A cron schedule. */
  final class Cron implements Schedule {
    private static final CronParser FIVE_FIELDS =
        new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    private static final CronParser SIX_FIELDS = new CronParser(withSeconds());

    /** An expression (or macro) in English words, by cron-utils' descriptor. */
    static String describe(String expression) {
      String expanded = MACROS.getOrDefault(expression.trim(), expression.trim());
      CronParser parser = expanded.split("\\s+").length == 6 ? SIX_FIELDS : FIVE_FIELDS;
      return CronDescriptor.instance(Locale.ENGLISH).describe(parser.parse(expanded));
    }

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime executionTime;

    private Cron(String expression, ZoneId zone) {
      this.expression = Objects.requireNonNull(expression, "expression");
      this.zone = Objects.requireNonNull(zone, "zone");
      this.executionTime = executionTime(expression);
    }

    /** The expression as given. */
    public String expression() {
      return expression;
    }

    /** The zone its fields are read in. */
    public ZoneId zone() {
      return zone;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Cron other
          && expression.equals(other.expression)
          && zone.equals(other.zone);
    }

    @Override
    public int hashCode() {
      return Objects.hash(expression, zone);
    }

    @Override
    public Optional<Instant> next(Instant instant) {
      return executionTime
          .nextExecution(ZonedDateTime.ofInstant(instant, zone))
          .map(ZonedDateTime::toInstant);
    }

    @Override
    public Optional<Instant> latest(Instant instant) {
      // lastExecution is strictly before its argument; slots are whole seconds, so one second
      // later, truncated, makes it "at or before".
      Instant justAfter = instant.plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
      return executionTime
          .lastExecution(ZonedDateTime.ofInstant(justAfter, zone))
          .map(ZonedDateTime::toInstant)
          .filter(slot -> !slot.isAfter(instant));
    }

    @Override
    public String toString() {
      return expression + (zone.equals(ZoneOffset.UTC) ? "" : " (" + zone.getId() + ")");
    }

    private static ExecutionTime executionTime(String expression) {
      String expanded = MACROS.getOrDefault(expression.trim(), expression.trim());
      int fields = expanded.isEmpty() ? 0 : expanded.split("\\s+").length;
      CronParser parser =
          switch (fields) {
            case 5 -> FIVE_FIELDS;
            case 6 -> SIX_FIELDS;
            default ->
                throw new IllegalArgumentException(
                    "cron expression '"
                        + expression
                        + "' has "
                        + fields
                        + " fields; expected 5 (minute hour day-of-month month day-of-week),"
                        + " 6 (seconds first) or a macro such as @hourly");
          };
      try {
        return ExecutionTime.forCron(parser.parse(expanded).validate());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "cron expression '" + expression + "' is invalid: " + e.getMessage(), e);
      }
    }

    /** Crontab's fields with seconds in front, as Spring and Quartz users write them. */
    private static CronDefinition withSeconds() {
      return CronDefinitionBuilder.defineCron()
          .withSeconds()
          .and()
          .withMinutes()
          .and()
          .withHours()
          .and()
          .withDayOfMonth()
          .supportsL()
          .supportsW()
          .supportsQuestionMark()
          .and()
          .withMonth()
          .and()
          .withDayOfWeek()
          .withValidRange(0, 7)
          .withMondayDoWValue(1)
          .withIntMapping(7, 0)
          .supportsL()
          .supportsHash()
          .supportsQuestionMark()
          .and()
          .instance();
    }
  }

  /** A fixed interval, aligned to the epoch. */
  record Every(Duration interval) implements Schedule {
    public Every {
      Objects.requireNonNull(interval, "interval");
      if (interval.compareTo(Duration.ofSeconds(1)) < 0 || interval.getNano() != 0) {
        throw new IllegalArgumentException(
            "interval " + interval + " must be whole seconds, at least one");
      }
      EnqueueOptions.checkDelay("interval", interval);
    }

    @Override
    public Optional<Instant> next(Instant instant) {
      long step = interval.getSeconds();
      return Optional.of(
          Instant.ofEpochSecond(Math.floorDiv(instant.getEpochSecond(), step) * step + step));
    }

    @Override
    public Optional<Instant> latest(Instant instant) {
      long step = interval.getSeconds();
      return Optional.of(
          Instant.ofEpochSecond(Math.floorDiv(instant.getEpochSecond(), step) * step));
    }

    @Override
    public String toString() {
      return "every " + interval.toString().substring(2).toLowerCase(Locale.ROOT);
    }
  }
}
