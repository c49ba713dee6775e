package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.AttemptTotals;
import dev.errand.Config;
import dev.errand.EnqueueOptions;
import dev.errand.Errand;
import dev.errand.RawArgs;
import dev.errand.spi.NodeReportParams;
import dev.errand.sqlite.SqliteStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The overview's history, sample by sample on a clock of the test's: rates from the nodes' reported
 * totals, running and waiting jobs and the oldest waiting job's age from the store, per queue and
 * for all.
 */
class DashboardHistoryTest {
  private SqliteStore store;
  private Errand errand;

  @AfterEach
  void stop() {
    if (errand != null) {
      errand.stop(Duration.ofSeconds(5));
    }
    if (store != null) {
      store.close();
    }
  }

  /** A clock the test moves. */
  private static final class StepClock extends Clock {
    Instant now;

    StepClock(Instant now) {
      this.now = now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private void report(String node, Map<String, AttemptTotals> attempts) {
    Instant now = Instant.now();
    store.nodeReport(
        new NodeReportParams(
            node,
            Map.of("mail", 2),
            Set.of("send"),
            now,
            now,
            now.plus(Duration.ofHours(1)),
            false,
            List.of(),
            attempts));
  }

  private static List<Double> numbers(JsonNode series) {
    List<Double> values = new java.util.ArrayList<>();
    series.forEach(v -> values.add(v.isNull() ? null : v.asDouble()));
    return values;
  }

  @Test
  void ratesComeFromTheNodesTotalsAndTheRestFromTheStore(@TempDir Path dir) {
    store = SqliteStore.builder(dir.resolve("errand.db")).build();
    store.migrate();
    errand = Errand.create(Config.builder(store).build());
    Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    StepClock clock = new StepClock(start);
    DashboardHistory history = new DashboardHistory(errand, clock);

    // Two waiting jobs in mail, the older due 30 s before the first sample; one running in images.
    errand.enqueue(
        new RawArgs("send", "{}"),
        EnqueueOptions.defaults().queue("mail").runAt(start.minusSeconds(30)));
    errand.enqueue(
        new RawArgs("send", "{}"),
        EnqueueOptions.defaults().queue("mail").runAt(start.minusSeconds(10)));
    errand.enqueue(new RawArgs("resize", "{}"), EnqueueOptions.defaults().queue("images"));
    errand.leases().fetch(List.of("images"), Set.of(), 1, "w", Duration.ofMinutes(5));
    report("a", Map.of("mail", new AttemptTotals(100, 10)));
    report("b", Map.of("mail", new AttemptTotals(40, 0), "images", new AttemptTotals(7, 1)));
    history.sample();

    clock.now = start.plusSeconds(10);
    report("a", Map.of("mail", new AttemptTotals(150, 15)));
    report("b", Map.of("mail", new AttemptTotals(60, 0), "images", new AttemptTotals(27, 1)));
    history.sample();

    JsonNode json = history.json();
    assertThat(numbers(json.get("t")))
        .containsExactly((double) start.getEpochSecond(), (double) start.getEpochSecond() + 10);
    JsonNode mail = json.get("queues").get("mail");
    assertThat(numbers(mail.get("completed"))).containsExactly(null, 7.0); // 70 in 10 s
    assertThat(numbers(mail.get("failed"))).containsExactly(null, 0.5);
    assertThat(numbers(mail.get("available"))).containsExactly(2.0, 2.0);
    assertThat(numbers(mail.get("running"))).containsExactly(0.0, 0.0);
    assertThat(numbers(mail.get("latency"))).containsExactly(30.0, 40.0);
    JsonNode images = json.get("queues").get("images");
    assertThat(numbers(images.get("completed"))).containsExactly(null, 2.0);
    assertThat(numbers(images.get("running"))).containsExactly(1.0, 1.0);
    JsonNode all = json.get("queues").get("");
    assertThat(numbers(all.get("completed"))).containsExactly(null, 9.0);
    assertThat(numbers(all.get("failed"))).containsExactly(null, 0.5);
    assertThat(numbers(all.get("running"))).containsExactly(1.0, 1.0);
    assertThat(numbers(all.get("latency")))
        .as("the oldest of all queues")
        .containsExactly(30.0, 40.0);

    // A node that stops takes its totals with it: the rate drops, never below zero.
    clock.now = start.plusSeconds(20);
    store.nodeRemove(new dev.errand.spi.NodeRemoveParams("a"));
    history.sample();
    assertThat(numbers(history.json().get("queues").get("mail").get("completed")).get(2))
        .isEqualTo(0.0);
  }

  @Test
  void theHistoryKeepsTheLastHour(@TempDir Path dir) {
    store = SqliteStore.builder(dir.resolve("errand.db")).build();
    store.migrate();
    errand = Errand.create(Config.builder(store).build());
    StepClock clock = new StepClock(Instant.now());
    DashboardHistory history = new DashboardHistory(errand, clock);
    Instant start = clock.now;
    for (int i = 0; i <= 61; i++) {
      clock.now = start.plus(Duration.ofMinutes(i));
      history.sample();
    }
    assertThat(history.samples()).hasSize(61);
    assertThat(history.samples().get(0).at()).isEqualTo(start.plus(Duration.ofMinutes(1)));
  }
}
