package dev.errand.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.spi.LeaderElectParams;
import dev.errand.spi.LeaderResignParams;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Leadership, an area of the {@link StoreContract}: one leader per name at a time, until its term
 * ends or it resigns.
 */
abstract class LeadershipContract extends ContractFixtures {

  private boolean elect(String owner, Instant now, Duration term) {
    return store.leaderElect(new LeaderElectParams("maintenance", owner, now, now.plus(term)));
  }

  @Test
  void theFirstCandidateLeadsAndOthersAreRefusedUntilItsTermEnds() {
    assertThat(elect(OWNER, at(0), Duration.ofSeconds(15))).isTrue();
    assertThat(elect(OTHER_OWNER, at(5), Duration.ofSeconds(15))).isFalse();
    assertThat(elect(OTHER_OWNER, at(15), Duration.ofSeconds(15)))
        .as("a term ending exactly now has not expired")
        .isFalse();
    assertThat(elect(OTHER_OWNER, at(16), Duration.ofSeconds(15))).isTrue();
    assertThat(elect(OWNER, at(17), Duration.ofSeconds(15)))
        .as("the old leader cannot renew once replaced")
        .isFalse();
  }

  @Test
  void theLeaderRenewsItsTerm() {
    assertThat(elect(OWNER, at(0), Duration.ofSeconds(15))).isTrue();
    assertThat(elect(OWNER, at(10), Duration.ofSeconds(15))).isTrue();
    assertThat(elect(OTHER_OWNER, at(20), Duration.ofSeconds(15)))
        .as("the renewed term runs to 25 s")
        .isFalse();
    assertThat(elect(OTHER_OWNER, at(26), Duration.ofSeconds(15))).isTrue();
  }

  @Test
  void resigningLetsAnotherNodeLeadAtOnceAndOnlyTheLeaderCanResign() {
    assertThat(elect(OWNER, at(0), Duration.ofSeconds(15))).isTrue();
    store.leaderResign(new LeaderResignParams("maintenance", OTHER_OWNER));
    assertThat(elect(OTHER_OWNER, at(1), Duration.ofSeconds(15))).isFalse();

    store.leaderResign(new LeaderResignParams("maintenance", OWNER));

    assertThat(elect(OTHER_OWNER, at(2), Duration.ofSeconds(15))).isTrue();
  }

  @Test
  void leadershipsOfDifferentNamesAreIndependent() {
    assertThat(elect(OWNER, at(0), Duration.ofSeconds(15))).isTrue();
    assertThat(store.leaderElect(new LeaderElectParams("cron", OTHER_OWNER, at(0), at(15))))
        .isTrue();
  }

  @Test
  void amongConcurrentCandidatesExactlyOneWins() throws Exception {
    for (int round = 0; round < 20; round++) {
      Instant now = at(100L * round);
      String name = "race-" + round;
      List<Boolean> wins =
          concurrently(
              8,
              i ->
                  store.leaderElect(
                      new LeaderElectParams(name, "node-" + i, now, now.plusSeconds(15))));
      assertThat(wins.stream().filter(w -> w).count())
          .as("winners of round %d", round)
          .isEqualTo(1);
    }
  }
}
