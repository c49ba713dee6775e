package dev.errand.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
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

  @Test
  void aRepeatedRowIsBoundOneRowAtATime() throws Exception {
    Query insert =
        Query.parse("I", "INSERT INTO t VALUES {rows} RETURNING id")
            .repeat("{rows}", Query.parse("R", "(:a, :b, :a)"), 3);
    assertThat(insert.sql())
        .isEqualTo("INSERT INTO t VALUES (?, ?, ?), (?, ?, ?), (?, ?, ?) RETURNING id");
    assertThat(insert.positions("a")).containsExactly(1, 3, 4, 6, 7, 9);

    List<String> calls = new ArrayList<>();
    PreparedStatement ps =
        (PreparedStatement)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class},
                (proxy, method, args) -> {
                  calls.add(method.getName() + " " + args[0] + " " + args[1]);
                  return null;
                });
    Binder binder = insert.bind(ps);
    binder.row(1).setString("a", "x").setLong("b", 7);
    assertThat(calls).containsExactly("setString 4 x", "setString 6 x", "setLong 5 7");
    assertThatThrownBy(() -> binder.row(3)).hasMessageContaining("has 3 rows, not row 3");
    assertThatThrownBy(() -> insert.repeat("{rows}", Query.parse("R", "(:a)"), 2))
        .hasMessageContaining("cannot repeat");
  }
}
