package dev.errand.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.DependencyCounts;
import dev.errand.DependencyFailure;
import dev.errand.Enqueued;
import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.StoreException;
import dev.errand.spi.Capability;
import dev.errand.spi.JobDeleteParams;
import dev.errand.spi.JobFetchParams;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import dev.errand.spi.SchemaMigrations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a file on disk can show: reopening, the one-store-per-file guard, settings. */
class SqliteStoreTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

  @TempDir Path dir;

  @Test
  void jobsSurviveClosingAndReopeningTheFile() {
    Path file = dir.resolve("jobs.db");
    List<Long> ids;
    try (SqliteStore store = SqliteStore.builder(file).build()) {
      assertThat(store.migrate()).containsExactly(1, 2, 3, 4, 5, 6);
      ids =
          store
              .jobInsertMany(
                  new JobInsertManyParams(
                      List.of(job("mail", T0), job("mail", T0), job("reports", T0.plusSeconds(60))),
                      T0))
              .stream()
              .map(Enqueued::id)
              .toList();
      store.jobFetch(new JobFetchParams("mail", 1, "node-a", T0, T0.plusSeconds(30)));
    }

    try (SqliteStore store = SqliteStore.builder(file).build()) {
      assertThat(store.migrate()).as("already up to date").isEmpty();
      assertThat(store.jobList(JobQuery.all()))
          .extracting(JobInfo::id, JobInfo::state, JobInfo::leaseOwner)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(ids.get(0), JobState.RUNNING, "node-a"),
              org.assertj.core.groups.Tuple.tuple(ids.get(1), JobState.AVAILABLE, null),
              org.assertj.core.groups.Tuple.tuple(ids.get(2), JobState.SCHEDULED, null));
      JobInfo scheduled = store.jobGet(ids.get(2)).orElseThrow();
      assertThat(scheduled.scheduledAt()).isEqualTo(T0.plusSeconds(60));
      assertThat(scheduled.tags()).containsExactly("a", "b");
      assertThat(scheduled.metadata()).isEqualTo(Map.of("k", "v"));

      long next =
          store.jobInsertMany(new JobInsertManyParams(List.of(job("mail", T0)), T0)).get(0).id();
      assertThat(next).as("ids keep increasing across reopen").isGreaterThan(ids.get(2));
    }
  }

  @Test
  void aDeletedNewestIdIsNeverHandedOutAgain() {
    try (SqliteStore store = open(dir.resolve("ids.db"))) {
      long first =
          store.jobInsertMany(new JobInsertManyParams(List.of(job("q", T0)), T0)).get(0).id();
      assertThat(store.jobDelete(new JobDeleteParams(first, T0))).isTrue();

      long second =
          store.jobInsertMany(new JobInsertManyParams(List.of(job("q", T0)), T0)).get(0).id();

      assertThat(second).isGreaterThan(first);
    }
  }

  @Test
  void aSecondStoreOnTheSameFileIsRefusedUntilTheFirstCloses() throws Exception {
    Path file = dir.resolve("shared.db");
    SqliteStore first = open(file);

    assertThatThrownBy(() -> SqliteStore.builder(file).build())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file.toRealPath().toString())
        .hasMessageContaining("already open");

    first.close();
    try (SqliteStore second = SqliteStore.builder(file).build()) {
      assertThat(second.migrate()).isEmpty();
    }
  }

  @Test
  @SuppressWarnings("try") // the first store only has to hold the file open
  void aSecondPathToTheSameFileIsRefusedToo() throws Exception {
    Path real = Files.createDirectories(dir.resolve("real"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), real);
    try (SqliteStore first = open(real.resolve("jobs.db"))) {
      assertThatThrownBy(() -> SqliteStore.builder(link.resolve("jobs.db")).build())
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("already open");
    }
  }

  @Test
  void anotherProcessCannotOpenAnOpenFile() throws Exception {
    Path file = dir.resolve("process.db");
    try (SqliteStore store = open(file)) {
      Process other =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  System.getProperty("java.class.path"),
                  OpenInAnotherProcess.class.getName(),
                  file.toString())
              .redirectErrorStream(true)
              .start();
      assertThat(other.waitFor(60, TimeUnit.SECONDS)).as("the other process ended").isTrue();
      String output = new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(other.exitValue()).as(output).isZero();
      assertThat(output).contains(file.toRealPath().toString()).contains("already open");
      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }
  }

  @Test
  void theFileIsInWalModeAndHonoursTheDurabilitySetting() throws Exception {
    Path normal = dir.resolve("normal.db");
    try (SqliteStore store = open(normal)) {
      assertThat(store.pragma("synchronous")).as("NORMAL").isEqualTo("1");
      assertThat(store.pragma("journal_mode")).isEqualTo("wal");
      assertThat(store.pragma("busy_timeout")).isEqualTo("5000");
    }
    Path full = dir.resolve("full.db");
    try (SqliteStore store =
        SqliteStore.builder(full)
            .synchronous(SqliteStore.Synchronous.FULL)
            .busyTimeout(Duration.ofMillis(250))
            .build()) {
      assertThat(store.pragma("synchronous")).as("FULL").isEqualTo("2");
      assertThat(store.pragma("busy_timeout")).isEqualTo("250");
    }
    // The journal mode is kept in the file itself.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + full);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("wal");
    }
  }

  @Test
  void anUnmigratedFileFailsWithAHint() {
    try (SqliteStore store = SqliteStore.builder(dir.resolve("empty.db")).build()) {
      assertThatThrownBy(() -> store.jobGet(1))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("no such table: job")
          .hasMessageContaining("migrate()");
    }
  }

  @Test
  void aClosedStoreRefusesReadsAndWritesByName() {
    Path file = dir.resolve("closed.db");
    SqliteStore store = open(file);
    store.close();
    store.close(); // closing twice is harmless

    assertThatThrownBy(() -> store.jobGet(1))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file + " is closed");
    assertThatThrownBy(() -> store.queuePause("q"))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(file + " is closed");
  }

  @Test
  void declaresWhatItCanAndCannotDo() {
    try (SqliteStore store = open(dir.resolve("caps.db"))) {
      assertThat(store.capabilities())
          .containsExactlyInAnyOrder(
              Capability.DURABLE,
              Capability.LISTEN_NOTIFY,
              Capability.UNIQUE_JOBS,
              Capability.DEPENDENCIES,
              Capability.NODE_REGISTRY);
      assertThat(store.notifier()).isPresent();
    }
  }

  @Test
  void timesKeepMicrosecondsAndDropNanoseconds() {
    Instant fine = Instant.parse("2030-01-01T00:00:00.123456789Z");
    try (SqliteStore store = open(dir.resolve("times.db"))) {
      long id =
          store.jobInsertMany(new JobInsertManyParams(List.of(job("q", fine)), fine)).get(0).id();

      JobInfo job = store.jobGet(id).orElseThrow();

      assertThat(job.createdAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00.123456Z"));
      assertThat(job.scheduledAt()).isEqualTo(job.createdAt());
    }
  }

  @Test
  void aFileFromBeforeDependenciesIsUpgradedAndItsJobsCanBeWaitedOn() throws Exception {
    Path file = dir.resolve("old.db");
    // The file as a store without V003 left it: V001 and V002 applied, one job stored.
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE schema_migration (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
              + " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP) STRICT");
      for (var m : Migrator.migrations()) {
        if (m.version() < 3) {
          st.executeUpdate(m.sql());
          st.execute(
              "INSERT INTO schema_migration (version, name) VALUES ("
                  + m.version()
                  + ", '"
                  + m.name()
                  + "')");
        }
      }
      st.execute(
          "INSERT INTO job (state, queue, kind, args, max_attempts, created_at, scheduled_at)"
              + " VALUES ('available', 'mail', 'old', '{}', 25, 0, 0)");
    }

    try (SqliteStore store = SqliteStore.builder(file).build()) {
      assertThat(store.migrate()).containsExactly(3, 4, 5, 6);
      JobInfo old = store.jobList(JobQuery.all()).get(0);
      assertThat(old.dependencies()).isEqualTo(DependencyCounts.NONE);

      NewJob waiting =
          job("mail", T0).withDependencies(List.of(old.id()), DependencyFailure.CANCEL);
      Enqueued dependent =
          store.jobInsertMany(new JobInsertManyParams(List.of(waiting), T0)).get(0);
      assertThat(dependent.state()).isEqualTo(JobState.PENDING);

      assertThat(store.jobDelete(new JobDeleteParams(old.id(), T0))).isTrue();
      assertThat(store.jobGet(dependent.id()).orElseThrow().state())
          .as("a deleted dependency counts as cancelled")
          .isEqualTo(JobState.CANCELLED);
    }
  }

  @Test
  void theSpiMigratesAFreshFileToTheLatestVersionAndPrintsItsTables() {
    Path file = dir.resolve("spi.db");
    try (SqliteStore store = SqliteStore.builder(file).build()) {
      SchemaMigrations migrations = store.migrations().orElseThrow();
      assertThat(migrations.location()).isEqualTo("file " + store.file());
      assertThatThrownBy(migrations::checkMigrated)
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("has no Errand tables");

      List<Integer> applied = migrations.apply();
      assertThat(applied).containsExactly(1, 2, 3, 4, 5, 6);
      assertThat(migrations.latest()).isEqualTo(applied.get(applied.size() - 1));
      assertThat(migrations.apply()).isEmpty();
      migrations.checkMigrated();

      String all = migrations.sql(0);
      assertThat(all)
          .startsWith("-- Errand schema for SQLite\n")
          .contains("CREATE TABLE job (", "CREATE TABLE queue (", "CREATE TABLE leader (")
          .contains("CREATE TABLE job_dependency (", "CREATE TABLE node (")
          .contains("INSERT INTO schema_migration (version, name) VALUES (4, 'node_registry');")
          .endsWith("COMMIT;\n");
      assertThat(migrations.sql(3))
          .contains("CREATE TABLE node (")
          .doesNotContain("CREATE TABLE job (", "CREATE TABLE job_dependency (");
      assertThat(migrations.sql(0)).isEqualTo(SqliteStore.migrationSql(0));
    }
  }

  @Test
  void badSettingsAreRefusedByName() {
    SqliteStore.Builder builder = SqliteStore.builder(dir.resolve("x.db"));
    assertThatThrownBy(() -> builder.readConnections(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("readConnections must be between 1 and 64, was 0");
    assertThatThrownBy(() -> builder.busyTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("busyTimeout must be between 0 and");
  }

  private static SqliteStore open(Path file) {
    SqliteStore store = SqliteStore.builder(file).build();
    store.migrate();
    return store;
  }

  private static NewJob job(String queue, Instant scheduledAt) {
    return new NewJob("test", queue, "{}", 0, scheduledAt, 25, List.of("a", "b"), Map.of("k", "v"));
  }
}
