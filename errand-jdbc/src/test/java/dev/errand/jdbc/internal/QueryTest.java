package dev.errand.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class QueryTest {

  @Test
  void namedParametersBecomePlaceholdersWithTheirPositions() {
    Query q = Query.parse("X", "SELECT * FROM t WHERE q = :queue AND at <= :now AND p = :queue");
    assertThat(q.sql()).isEqualTo("SELECT * FROM t WHERE q = ? AND at <= ? AND p = ?");
    assertThat(q.positions("queue")).containsExactly(1, 3);
    assertThat(q.positions("now")).containsExactly(2);
  }

  @Test
  void castsLiteralsAndCommentsAreNotParameters() {
    Query q =
        Query.parse(
            "X",
            "SELECT :now::timestamptz, '{}'::text[], 'HH24:MI:SS', \"a:b\" -- see :nothing\n"
                + "/* :neither */ FROM t WHERE x = :x_1::bigint AND y = 'it''s :no'");
    assertThat(q.sql())
        .isEqualTo(
            "SELECT ?::timestamptz, '{}'::text[], 'HH24:MI:SS', \"a:b\" -- see :nothing\n"
                + "/* :neither */ FROM t WHERE x = ?::bigint AND y = 'it''s :no'");
    assertThat(q.parameters()).containsExactlyInAnyOrder("now", "x_1");
    assertThat(q.positions("x_1")).containsExactly(2);
  }

  @Test
  void plainPlaceholdersStayAsTheyAre() {
    Query q = Query.parse("X", "SELECT ?::int, ?");
    assertThat(q.sql()).isEqualTo("SELECT ?::int, ?");
    assertThat(q.parameters()).isEmpty();
  }

  @Test
  void mixingPlainAndNamedFailsFastAndSoDoesAnUnknownName() {
    assertThatThrownBy(() -> Query.parse("X", "SELECT ?, :a"))
        .hasMessageContaining("mixes ? with named parameters");
    assertThatThrownBy(() -> Query.parse("X", "SELECT :a").positions("b"))
        .hasMessageContaining("no parameter :b");
  }
}
