package dev.errand.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Where each rescue pass starts in the lease index (see {@link RescueWatermark}). */
class RescueWatermarkTest {
  private static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");
  private static final int LIMIT = 1_000;

  /** No full pass on a timer: a slow machine must not change where passes start. */
  private final RescueWatermark watermark = new RescueWatermark(Duration.ofDays(1));

  @Test
  void theFirstPassWalksTheWholeIndexAndTheNextStartsAtItsTime() {
    assertThat(watermark.start(T0)).isEqualTo(RescueWatermark.FROM_THE_START);
    watermark.passed(RescueWatermark.FROM_THE_START, T0, 3, LIMIT);

    assertThat(watermark.start(T0.plusSeconds(10))).isEqualTo(T0);
    watermark.passed(T0, T0.plusSeconds(10), 0, LIMIT);

    assertThat(watermark.start(T0.plusSeconds(20))).isEqualTo(T0.plusSeconds(10));
  }

  @Test
  void aPassThatRescuedAllItCouldIsContinuedFromWhereItStarted() {
    watermark.passed(watermark.start(T0), T0, 0, LIMIT);
    Instant start = watermark.start(T0.plusSeconds(10));

    watermark.passed(start, T0.plusSeconds(10), LIMIT, LIMIT);
    assertThat(watermark.start(T0.plusSeconds(10))).isEqualTo(T0);
    watermark.passed(T0, T0.plusSeconds(10), 10, LIMIT);

    assertThat(watermark.start(T0.plusSeconds(20))).isEqualTo(T0.plusSeconds(10));
  }

  @Test
  void aFullPassThatRescuedAllItCouldIsContinuedAsAFullPass() {
    Instant first = watermark.start(T0);
    watermark.passed(first, T0, LIMIT, LIMIT);

    assertThat(watermark.start(T0)).isEqualTo(RescueWatermark.FROM_THE_START);
  }

  @Test
  void aClockThatWentBackBeforeTheMarkWalksTheWholeIndex() {
    watermark.passed(watermark.start(T0), T0, 0, LIMIT);

    assertThat(watermark.start(T0.minusSeconds(1))).isEqualTo(RescueWatermark.FROM_THE_START);
  }

  @Test
  void aFullPassIsDueAfterItsInterval() {
    RescueWatermark always = new RescueWatermark(Duration.ZERO);
    always.passed(always.start(T0), T0, 0, LIMIT);

    assertThat(always.start(T0.plusSeconds(10))).isEqualTo(RescueWatermark.FROM_THE_START);
  }
}
