package dev.errand.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.StoreException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

class JdbcRunnerTest {
  private final List<String> calls = new ArrayList<>();

  /** A connection that records the transaction calls made on it and supports nothing else. */
  private final Connection connection =
      (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                calls.add(method.getName() + (args == null ? "" : "(" + args[0] + ")"));
                return null;
              });

  @Test
  void aTransactionThatReturnsCommits() throws SQLException {
    String result = JdbcRunner.inTransaction(connection, c -> "done");

    assertThat(result).isEqualTo("done");
    assertThat(calls).containsExactly("setAutoCommit(false)", "commit", "setAutoCommit(true)");
  }

  @Test
  void aTransactionThatThrowsRollsBackAndRethrows() {
    SQLException failure = new SQLException("no");

    assertThatThrownBy(
            () ->
                JdbcRunner.inTransaction(
                    connection,
                    c -> {
                      throw failure;
                    }))
        .isSameAs(failure);
    assertThat(calls).containsExactly("setAutoCommit(false)", "rollback", "setAutoCommit(true)");
  }

  @Test
  void aTransactionOnABorrowedConnectionTranslatesItsFailureAndReturnsTheConnection() {
    DataSource dataSource =
        (DataSource)
            Proxy.newProxyInstance(
                DataSource.class.getClassLoader(),
                new Class<?>[] {DataSource.class},
                (proxy, method, args) ->
                    method.getName().equals("getConnection") ? connection : null);
    JdbcRunner jdbc = new JdbcRunner("Test store", dataSource, e -> " (hint)");

    assertThatThrownBy(
            () ->
                jdbc.transaction(
                    "do it",
                    c -> {
                      throw new SQLException("boom");
                    }))
        .isInstanceOf(StoreException.class)
        .hasMessage("Test store could not do it: boom (hint)");
    assertThat(calls)
        .containsExactly("setAutoCommit(false)", "rollback", "setAutoCommit(true)", "close");
  }
}
