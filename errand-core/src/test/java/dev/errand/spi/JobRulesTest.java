package dev.errand.spi;

import static dev.errand.JobState.AVAILABLE;
import static dev.errand.JobState.CANCELLED;
import static dev.errand.JobState.COMPLETED;
import static dev.errand.JobState.DISCARDED;
import static dev.errand.JobState.PENDING;
import static dev.errand.JobState.RUNNING;
import static dev.errand.JobState.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.DependencyCounts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobRulesTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  record Row(long id, int priority, Instant scheduledAt) {}

  @Test
  void fetchOrderIsPriorityThenRunTimeThenId() {
    Row urgentLate = new Row(9, 0, NOW.plusSeconds(5));
    Row urgentEarly = new Row(7, 0, NOW);
    Row urgentEarlyLater = new Row(8, 0, NOW);
    Row backlog = new Row(1, 5, NOW.minusSeconds(60));
    List<Row> rows = new ArrayList<>(List.of(backlog, urgentLate, urgentEarlyLater, urgentEarly));

    rows.sort(JobRules.fetchOrder(Row::priority, Row::scheduledAt, Row::id));

    assertThat(rows).containsExactly(urgentEarly, urgentEarlyLater, urgentLate, backlog);
  }

  @Test
  void aDependencysEndMovesOneCountFromWaitingToHowItEnded() {
    DependencyCounts counts = new DependencyCounts(3, 0, 0, 0);
    counts = JobRules.counted(counts, COMPLETED);
    counts = JobRules.counted(counts, DISCARDED);
    counts = JobRules.counted(counts, CANCELLED);

    assertThat(counts).isEqualTo(new DependencyCounts(0, 1, 1, 1));
    assertThatThrownBy(() -> JobRules.counted(new DependencyCounts(1, 0, 0, 0), RUNNING))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not RUNNING");
  }

  @Test
  void onlyAPendingJobMovesWhenADependencyEnds() {
    assertThat(JobRules.afterDependencyEnded(CANCELLED, COMPLETED, true, 0, NOW, NOW))
        .isEqualTo(CANCELLED);
    assertThat(JobRules.afterDependencyEnded(AVAILABLE, DISCARDED, true, 0, NOW, NOW))
        .isEqualTo(AVAILABLE);
  }

  @Test
  void aFailedDependencyCancelsOnlyUnderPolicyCancel() {
    assertThat(JobRules.afterDependencyEnded(PENDING, DISCARDED, true, 1, NOW, NOW))
        .isEqualTo(CANCELLED);
    assertThat(JobRules.afterDependencyEnded(PENDING, CANCELLED, true, 0, NOW, NOW))
        .isEqualTo(CANCELLED);
    assertThat(JobRules.afterDependencyEnded(PENDING, DISCARDED, false, 1, NOW, NOW))
        .isEqualTo(PENDING);
    assertThat(JobRules.afterDependencyEnded(PENDING, DISCARDED, false, 0, NOW, NOW))
        .isEqualTo(AVAILABLE);
  }

  @Test
  void theLastDependencyReleasesTheJobToItsRunTime() {
    assertThat(JobRules.afterDependencyEnded(PENDING, COMPLETED, true, 1, NOW, NOW))
        .isEqualTo(PENDING);
    assertThat(JobRules.afterDependencyEnded(PENDING, COMPLETED, true, 0, NOW, NOW))
        .isEqualTo(AVAILABLE);
    assertThat(JobRules.afterDependencyEnded(PENDING, COMPLETED, true, 0, NOW.plusSeconds(1), NOW))
        .isEqualTo(SCHEDULED);
  }
}
