package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.server.TestServer.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker written in Python 3 (standard library only, src/test/resources/.../worker.py) works jobs
 * through the worker protocol: it completes one, fails one that is then retried, lets the lease of
 * one expire so that the server rescues it, and keeps one alive with heartbeats past its lease.
 * Through a proxy that checks each of its exchanges against openapi.yaml. One subclass per store.
 */
abstract class PythonWorkerTest {
  private TestServer server;
  private Process python;

  protected abstract TestServer startServer();

  @BeforeEach
  void start() {
    server = startServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (python != null) {
      python.destroyForcibly();
    }
    server.close();
  }

  @Test
  void aPythonWorkerCompletesFailsAbandonsAndHeartbeatsJobs(@TempDir Path dir) throws Exception {
    long add = enqueue("{\"kind\": \"py.add\", \"args\": {\"a\": 2, \"b\": 3}}");
    long flaky = enqueue("{\"kind\": \"py.flaky\"}");
    long abandon = enqueue("{\"kind\": \"py.abandon\"}");
    long slow = enqueue("{\"kind\": \"py.slow\"}");
    long other = enqueue("{\"kind\": \"java.only\"}");
    Path output = dir.resolve("out.txt");
    Path errors = dir.resolve("err.txt");
    Path script = Path.of(PythonWorkerTest.class.getResource("worker.py").toURI());

    python =
        new ProcessBuilder("python3", script.toString(), server.checkedBase(), TestServer.TOKEN)
            .redirectOutput(output.toFile())
            .redirectError(errors.toFile())
            .start();

    await()
        .atMost(Duration.ofSeconds(60))
        // A worker that died (a refused exchange, say) is reported below with its stderr.
        .until(
            () ->
                !python.isAlive()
                    || List.of(add, flaky, abandon, slow).stream().allMatch(this::completed));
    long stop = enqueue("{\"kind\": \"py.stop\"}");
    assertThat(python.waitFor(30, TimeUnit.SECONDS)).as("the worker exits").isTrue();
    assertThat(python.exitValue()).as(read(errors)).isZero();

    assertThat(job(add).get("attempt").asInt()).isEqualTo(1);
    JsonNode results = server.get("/api/jobs?kind=py.result").json().get("jobs");
    assertThat(results).hasSize(1);
    assertThat(results.get(0).get("args").get("sum").asInt()).isEqualTo(5);

    JsonNode flakyJob = job(flaky);
    assertThat(flakyJob.get("attempt").asInt()).isEqualTo(2);
    JsonNode error = flakyJob.get("errors").get(0);
    assertThat(error.get("class").asText()).isEqualTo("ValueError");
    assertThat(error.get("message").asText()).isEqualTo("flaky on attempt 1");
    assertThat(error.get("stackTrace").asText()).contains("Traceback", "ValueError");

    JsonNode abandoned = job(abandon);
    assertThat(abandoned.get("attempt").asInt()).isEqualTo(2);
    assertThat(abandoned.get("errors").get(0).get("message").asText())
        .contains("lease of python-worker expired");

    JsonNode slowJob = job(slow);
    assertThat(slowJob.get("attempt").asInt()).isEqualTo(1);
    assertThat(slowJob.get("errors")).isEmpty();

    assertThat(job(other).get("state").asText()).isEqualTo("available");
    assertThat(job(stop).get("state").asText()).isEqualTo("completed");
    assertThat(Files.readAllLines(output))
        .contains(
            "completed " + add + " 1",
            "failed " + flaky + " 1",
            "completed " + flaky + " 2",
            "abandoned " + abandon + " 1",
            "completed " + abandon + " 2",
            "completed " + slow + " 1",
            "stopped " + stop + " 1")
        .noneMatch(line -> line.startsWith("lost"));
  }

  private boolean completed(long id) {
    return job(id).get("state").asText().equals("completed");
  }

  private JsonNode job(long id) {
    return server.get("/api/jobs/" + id).json();
  }

  private long enqueue(String json) {
    Response response = server.post("/api/jobs", json);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    return response.json().get("id").asLong();
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file, StandardCharsets.UTF_8);
  }
}
