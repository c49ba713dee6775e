package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A query's conditions on args and metadata: what it takes, what it refuses and why; its keyset in
 * either order.
 */
class JobQueryTest {
  @Test
  void theKeysetReadsInTheOrderOfTheListing() {
    JobQuery oldest = JobQuery.all();
    assertThat(oldest.order()).isEqualTo(JobOrder.OLDEST_FIRST);
    assertThat(oldest.minId()).isEqualTo(1);
    assertThat(oldest.maxId()).isEqualTo(Long.MAX_VALUE);
    assertThat(oldest.withAfterId(10).withIdsUpTo(20).minId()).isEqualTo(11);
    assertThat(oldest.withAfterId(10).withIdsUpTo(20).maxId()).isEqualTo(20);

    JobQuery newest = JobQuery.all().withQueue("q").withOrder(JobOrder.NEWEST_FIRST);
    assertThat(newest.queue()).isEqualTo("q");
    assertThat(newest.upToId()).isEqualTo(JobOrder.NEWEST_FIRST.unboundedUpToId()).isZero();
    assertThat(newest.minId()).isZero();
    assertThat(newest.maxId()).isEqualTo(Long.MAX_VALUE);
    assertThat(newest.withAfterId(20).withIdsUpTo(10).minId()).isEqualTo(10);
    assertThat(newest.withAfterId(20).withIdsUpTo(10).maxId()).isEqualTo(19);
    assertThat(newest.withAfterId(1).maxId()).isZero();

    // A change of order starts over; the same order keeps the keyset.
    JobQuery paged = oldest.withAfterId(10).withIdsUpTo(20);
    assertThat(paged.withOrder(JobOrder.OLDEST_FIRST)).isSameAs(paged);
    JobQuery turned = paged.withOrder(JobOrder.NEWEST_FIRST);
    assertThat(turned.afterId()).isZero();
    assertThat(turned.upToId()).isZero();
    assertThat(turned.withOrder(JobOrder.OLDEST_FIRST).upToId()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void conditionsAddUpAndTheLastValueOfAPathWins() {
    JobQuery query =
        JobQuery.all()
            .withArg("address.city", "Paris")
            .withArg("account", "1")
            .withArg("account", "42")
            .withMetadata("request", "r-1")
            .withTag("import");
    assertThat(query.args()).isEqualTo(Map.of("address.city", "Paris", "account", "42"));
    assertThat(query.metadata()).isEqualTo(Map.of("request", "r-1"));
    assertThat(query.tag()).isEqualTo("import");
    assertThat(query.withLimit(10).withAfterId(5).args()).isEqualTo(query.args());
  }

  @Test
  void aPathIsObjectKeysThatNeedNoQuoting() {
    for (String path : new String[] {"", "a..b", "a.", "a b", "a.\"b\"", "items.0", "$.a"}) {
      assertThatThrownBy(() -> JobQuery.all().withArg(path, "x"))
          .as(path)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("an args path is object keys");
    }
    assertThat(JobQuery.all().withArg("line-2.zip_code.a1", "x").args()).hasSize(1);
    assertThatThrownBy(() -> JobQuery.all().withMetadata("", "x"))
        .hasMessageContaining("a metadata key is not empty");
  }

  @Test
  void conditionsAreBounded() {
    JobQuery query = JobQuery.all();
    for (int i = 0; i < JobQuery.MAX_CONDITIONS; i++) {
      query = query.withArg("k" + i, "v");
    }
    JobQuery full = query;
    assertThatThrownBy(() -> full.withArg("one_more", "v"))
        .hasMessageContaining("at most " + JobQuery.MAX_CONDITIONS + " conditions on the args");
  }

  @Test
  void matchesComparesTheValueAtThePathAsText() {
    assertThat(ArgsPaths.matchAll("{\"a\":{\"b\":42.50}}", Map.of("a.b", "42.50"))).isTrue();
    assertThat(ArgsPaths.matchAll("{\"a\":{\"b\":42.50}}", Map.of("a.b", "42.5"))).isFalse();
    assertThat(ArgsPaths.matchAll("{\"a\":\"42\"}", Map.of("a", "42"))).isTrue();
    assertThat(ArgsPaths.matchAll("{\"a\":false}", Map.of("a", "false"))).isTrue();
    assertThat(ArgsPaths.matchAll("{\"a\":null}", Map.of("a", "null"))).isFalse();
    assertThat(ArgsPaths.matchAll("{\"a\":{\"b\":1}}", Map.of("a", "{\"b\":1}"))).isFalse();
    assertThat(ArgsPaths.matchAll("[1]", Map.of("a", "1"))).isFalse();
  }
}
