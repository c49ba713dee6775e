package dev.errand.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A smoke test of the benchmark on the in-memory and SQLite stores with tiny sizes: every figure is
 * produced and is a positive number. It asserts nothing about speed: timing lives in the benchmark
 * itself.
 */
class BenchTest {
  private static final Pattern LINE =
      Pattern.compile(
          "\\{\"store\":\"([a-z]+)\",\"metric\":\"([a-z0-9_]+)\",\"value\":(-?[0-9]+(?:\\.[0-9]+)?)}");

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @Test
  void jsonModePrintsOneLinePerFigureAndNothingElse() {
    assertEveryFigureIsMeasured("memory");
  }

  @Test
  void theSqliteStoreProducesEveryFigure() {
    assertEveryFigureIsMeasured("sqlite");
  }

  private void assertEveryFigureIsMeasured(String store) {
    int code =
        run(
            "--stores",
            store,
            "--jobs",
            "2000",
            "--samples",
            "50",
            "--warmup-jobs",
            "500",
            "--json");

    assertThat(code).as("exit code; stderr:%n%s", text(err)).isZero();
    Map<String, Double> figures = new LinkedHashMap<>();
    for (String line : text(out).split("\n")) {
      Matcher m = LINE.matcher(line);
      assertThat(m.matches()).as("a JSON line: %s", line).isTrue();
      assertThat(m.group(1)).isEqualTo(store);
      figures.put(m.group(2), Double.parseDouble(m.group(3)));
    }
    assertThat(figures.keySet())
        .containsExactly(
            "burndown_jobs_per_s",
            "bulk_enqueue_jobs_per_s",
            "enqueue_p50_ms",
            "enqueue_p99_ms",
            "pickup_p50_ms",
            "pickup_p99_ms");
    assertThat(figures.values()).allSatisfy(value -> assertThat(value).isPositive());
    assertThat(text(err))
        .contains(
            "warm-up round, not counted: the latency phases, then bulk enqueue and burn-down of 500 jobs");
  }

  @Test
  void tableNamesEachFigureWithItsTarget() {
    int code =
        run(
            "--stores",
            "memory",
            "--jobs",
            "500",
            "--samples",
            "10",
            "--warmup",
            "10",
            "--warmup-jobs",
            "0");

    assertThat(code).as("exit code; stderr:%n%s", text(err)).isZero();
    String table = text(out);
    assertThat(table).startsWith("memory: 500 jobs").contains("no warm-up round");
    assertThat(text(err)).doesNotContain("warm-up round");
    assertThat(table)
        .contains("burn-down", "≥ 50,000 jobs/s")
        .contains("bulk enqueue", "≥ 150,000 jobs/s")
        .contains("single enqueue p50", "single enqueue p99", "≤ 2 ms")
        .contains("pickup p50", "≤ 1.5 ms", "pickup p99", "≤ 5 ms");
  }

  @Test
  void aNegativeWarmupRoundIsAUsageError() {
    int code = run("--stores", "memory", "--warmup-jobs", "-1");

    assertThat(code).isEqualTo(2);
    assertThat(text(err)).contains("--warmup-jobs must not be negative, was -1");
  }

  @Test
  void unknownStoreIsAUsageError() {
    int code = run("--stores", "memory,cassandra");

    assertThat(code).isEqualTo(2);
    assertThat(text(out)).isEmpty();
    assertThat(text(err))
        .contains("unknown store 'cassandra'; known stores: memory, postgres, sqlite, redis");
  }

  @Test
  void aFigureThatWasNotMeasuredMissesItsTargetAndSaysWhy() {
    StoreResults results = new StoreResults("postgres");
    results.put(Metric.BULK_ENQUEUE_JOBS_PER_S, 160_000);
    results.fail(Metric.BURNDOWN_JOBS_PER_S, "burn-down stalled: 7 of 10 jobs completed");
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);

    Report.table("postgres", results, print);
    String table = text(out);
    out.reset();
    Report.json(results, print);

    assertThat(table)
        .containsPattern("burn-down +none +≥ 50,000 jobs/s +✗")
        .containsPattern("bulk enqueue +160,000 jobs/s +≥ 150,000 jobs/s +✓")
        .contains("  burn-down stalled: 7 of 10 jobs completed");
    assertThat(text(out))
        .isEqualTo(
            "{\"store\":\"postgres\",\"metric\":\"bulk_enqueue_jobs_per_s\",\"value\":160000}"
                + System.lineSeparator());
  }

  @Test
  void percentileIsNearestRank() {
    long[] nanos = new long[100];
    Arrays.setAll(nanos, i -> (100 - i) * 1_000_000L);

    assertThat(StoreBench.percentileMillis(nanos, 50)).isEqualTo(50.0);
    assertThat(StoreBench.percentileMillis(nanos, 99)).isEqualTo(99.0);
    assertThat(StoreBench.percentileMillis(new long[] {7_000_000L}, 99)).isEqualTo(7.0);
  }

  private int run(String... args) {
    return Bench.run(
        args,
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private static String text(ByteArrayOutputStream bytes) {
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
