package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  private static final Instant T = Instant.parse("2026-11-22T10:17:42Z");

  @Test
  void fiveFieldCronGivesTheNextAndLatestSlots() {
    Schedule quarterHours = Schedule.cron("*/15 * * * *");

    assertThat(quarterHours.next(T)).contains(Instant.parse("2026-11-22T10:30:00Z"));
    assertThat(quarterHours.latest(T)).contains(Instant.parse("2026-11-22T10:15:00Z"));
  }

  @Test
  void aSlotIsItsOwnLatestButNotItsOwnNext() {
    Instant slot = Instant.parse("2026-11-22T10:15:00Z");
    Schedule quarterHours = Schedule.cron("*/15 * * * *");

    assertThat(quarterHours.latest(slot)).contains(slot);
    assertThat(quarterHours.next(slot)).contains(Instant.parse("2026-11-22T10:30:00Z"));
  }

  @Test
  void sixFieldCronHasSecondsFirst() {
    Schedule everyTenSeconds = Schedule.cron("*/10 * * * * *");

    assertThat(everyTenSeconds.next(T)).contains(Instant.parse("2026-11-22T10:17:50Z"));
    assertThat(everyTenSeconds.latest(T)).contains(Instant.parse("2026-11-22T10:17:40Z"));
  }

  @Test
  void macrosStandForTheirExpressions() {
    assertThat(Schedule.cron("@hourly").next(T)).contains(Instant.parse("2026-11-22T11:00:00Z"));
    assertThat(Schedule.cron("@daily").next(T)).contains(Instant.parse("2026-11-23T00:00:00Z"));
    assertThat(Schedule.cron("@weekly").next(T)) // 2026-11-22 is a Sunday
        .contains(Instant.parse("2026-11-29T00:00:00Z"));
    assertThat(Schedule.cron("@monthly").latest(T)).contains(Instant.parse("2026-11-01T00:00:00Z"));
    assertThat(Schedule.cron("@yearly").next(T)).contains(Instant.parse("2027-01-01T00:00:00Z"));
  }

  @Test
  void aZoneMovesTheSlotsToItsWallClock() {
    Schedule nineInParis = Schedule.cron("0 9 * * *", ZoneId.of("Europe/Paris"));

    // Paris is UTC+1 in November, UTC+2 in July.
    assertThat(nineInParis.next(T)).contains(Instant.parse("2026-11-23T08:00:00Z"));
    assertThat(nineInParis.next(Instant.parse("2026-07-01T00:00:00Z")))
        .contains(Instant.parse("2026-07-01T07:00:00Z"));
    assertThat(nineInParis).hasToString("0 9 * * * (Europe/Paris)");
  }

  @Test
  void weekdayRangesWork() {
    Schedule weekdayMornings = Schedule.cron("30 8 * * MON-FRI");

    // From Sunday the 22nd, the next weekday is Monday the 23rd.
    assertThat(weekdayMornings.next(T)).contains(Instant.parse("2026-11-23T08:30:00Z"));
  }

  @Test
  void badExpressionsAreRejectedWithTheirProblem() {
    assertThatThrownBy(() -> Schedule.cron("* * *"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'* * *' has 3 fields");
    assertThatThrownBy(() -> Schedule.cron("61 * * * *"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cron expression '61 * * * *' is invalid");
    assertThatThrownBy(() -> Schedule.cron("@fortnightly"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'@fortnightly' has 1 fields");
  }

  @Test
  void intervalsAreAlignedToTheEpoch() {
    Schedule every15Minutes = Schedule.every(Duration.ofMinutes(15));

    assertThat(every15Minutes.next(T)).contains(Instant.parse("2026-11-22T10:30:00Z"));
    assertThat(every15Minutes.latest(T)).contains(Instant.parse("2026-11-22T10:15:00Z"));
    assertThat(every15Minutes).hasToString("every 15m");
  }

  @Test
  void intervalsMustBeWholeSeconds() {
    assertThatThrownBy(() -> Schedule.every(Duration.ofMillis(1500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> Schedule.every(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aScheduleAsWrittenReadsInWordsWithItsZoneForTimesOfDay() {
    assertThat(Schedule.inWords(Schedule.every(Duration.ofMinutes(15)).toString()))
        .isEqualTo("every 15 minutes");
    assertThat(Schedule.inWords(Schedule.every(Duration.ofMinutes(90)).toString()))
        .isEqualTo("every 1 hour 30 minutes");
    assertThat(Schedule.inWords(Schedule.every(Duration.ofSeconds(1)).toString()))
        .isEqualTo("every 1 second");
    assertThat(Schedule.inWords(Schedule.cron("0 3 * * *").toString()))
        .isEqualTo("every day at 03:00 UTC");
    assertThat(Schedule.inWords(Schedule.cron("0 3 * * *", ZoneId.of("Europe/Paris")).toString()))
        .isEqualTo("every day at 03:00 Europe/Paris");
    assertThat(Schedule.inWords(Schedule.cron("*/15 * * * *").toString()))
        .isEqualTo("every 15 minutes");
    assertThat(Schedule.inWords("not a schedule")).isEqualTo("not a schedule");
  }
}
