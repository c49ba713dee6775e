package dev.errand.examples.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.errand.JobInfo;
import dev.errand.JobQuery;
import dev.errand.JobState;
import dev.errand.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's complete application runs as written, on a SQLite file, as often as one likes. */
class MainTest {
  @TempDir Path dir;

  @Test
  void itsJobRunsAndASecondRunOpensTheSameFile() throws Exception {
    Path file = dir.resolve("app.db");

    Main.main(new String[] {file.toString()});
    // Refused with "already open" if the first run had left its store open.
    Main.main(new String[] {file.toString()});

    try (SqliteStore store = SqliteStore.builder(file).build()) {
      List<JobInfo> jobs = store.jobList(JobQuery.all());
      assertThat(jobs).hasSize(2);
      assertThat(jobs)
          .allSatisfy(
              job -> {
                assertThat(job.kind()).isEqualTo("welcome_email");
                assertThat(job.state()).isEqualTo(JobState.COMPLETED);
                assertThat(job.argsJson())
                    .matches(
                        "\\{\"address\":\"ada@example.com\",\"signedUpOn\":\"\\d{4}-\\d\\d-\\d\\d\"}");
              });
    }
    assertThat(Files.exists(file)).isTrue();
  }
}
