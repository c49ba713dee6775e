package dev.errand.bench;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/** Prints one store's figures: as an aligned table for people, or as JSON lines for scripts. */
final class Report {
  private static final String MET = "✓";
  private static final String MISSED = "✗";

  private Report() {}

  /**
   * One JSON object per figure, one per line, and nothing else: {@code
   * {"store":"postgres","metric":"burndown_jobs_per_s","value":52345.6}}.
   */
  static void json(StoreResults results, PrintStream out) {
    results
        .values()
        .forEach(
            (metric, value) ->
                out.printf(
                    Locale.ROOT,
                    "{\"store\":\"%s\",\"metric\":\"%s\",\"value\":%s}%n",
                    results.store(),
                    metric.key,
                    number(metric, value)));
    out.flush();
  }

  /**
   * A heading, then one row per figure: label, value, target and whether the figure meets it; a
   * figure that could not be measured misses its target, and a note under the table says why.
   */
  static void table(String heading, StoreResults results, PrintStream out) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"figure", "measured", "target", ""});
    for (Metric metric : Metric.values()) {
      Double value = results.values().get(metric);
      if (metric.optional && value == null && !results.failures().containsKey(metric)) {
        continue;
      }
      String target = "";
      String verdict = "";
      if (metric.target.exists()) {
        target =
            (metric.target.atLeast() ? "≥ " : "≤ ")
                + bound(metric, metric.target.bound())
                + " "
                + metric.unit.symbol;
        verdict = value != null && metric.target.metBy(value) ? MET : MISSED;
      } else if (value == null) {
        verdict = MISSED;
      }
      String measured = value == null ? "none" : human(metric, value) + " " + metric.unit.symbol;
      rows.add(new String[] {metric.label, measured, target, verdict});
    }
    int[] widths = new int[3];
    for (String[] row : rows) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    out.println(heading);
    for (String[] row : rows) {
      // Values right-aligned so that their units line up; labels and targets left-aligned.
      String line =
          String.format(
              "  %-" + widths[0] + "s  %" + widths[1] + "s  %-" + widths[2] + "s  %s",
              row[0],
              row[1],
              row[2],
              row[3]);
      out.println(line.stripTrailing());
    }
    // Each reason once, though a failed phase may cost several figures.
    new LinkedHashSet<>(results.failures().values()).forEach(why -> out.println("  " + why));
    out.println();
    out.flush();
  }

  /** A throughput as a whole number, a latency in ms to the microsecond. */
  private static String number(Metric metric, double value) {
    return metric.unit == Metric.Unit.JOBS_PER_S
        ? String.format(Locale.ROOT, "%.0f", value)
        : String.format(Locale.ROOT, "%.3f", value);
  }

  /** A measured figure for people: a throughput with thousands separators, a latency in ms. */
  private static String human(Metric metric, double value) {
    return metric.unit == Metric.Unit.JOBS_PER_S
        ? String.format(Locale.ROOT, "%,.0f", value)
        : String.format(Locale.ROOT, "%.3f", value);
  }

  /** A target's bound as it was written: 50,000, 1.5, 2. */
  private static String bound(Metric metric, double bound) {
    return metric.unit == Metric.Unit.JOBS_PER_S
        ? String.format(Locale.ROOT, "%,.0f", bound)
        : BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
  }
}
