package dev.errand.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.errand.server.TestServer.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP API over real HTTP, on every store: one subclass per store. */
abstract class ApiTest {
  TestServer server;

  protected abstract TestServer startServer();

  @BeforeEach
  void start() {
    server = startServer();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void healthReadyAndTheOpenApiDocumentAnswer() {
    Response index = server.get("/");
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.json().get("openapi").asText()).isEqualTo("/openapi.yaml");
    assertThat(index.json().get("docs").asText()).contains("README", "HTTP API");
    assertThat(index.json().get("routes").toString()).contains("POST /api/jobs", "GET /health");
    assertThat(server.get("/health").json().get("status").asText()).isEqualTo("ok");
    assertThat(server.get("/ready").json().get("status").asText()).isEqualTo("ready");
    Response spec = server.get("/openapi.yaml");
    assertThat(spec.status()).isEqualTo(200);
    assertThat(spec.text()).startsWith("openapi: 3.");
  }

  @Test
  void anEnqueuedJobKeepsItsArgsAndOptions() {
    Response created =
        server.post(
            "/api/jobs",
            """
            {"kind": "resize_image", "args": {"path": "a.png", "sizes": [1, 2]}, "queue": "mail",
             "priority": 3, "maxAttempts": 4, "tags": ["img"], "metadata": {"by": "api"}}""");

    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().get("state").asText()).isEqualTo("available");
    long id = created.json().get("id").asLong();
    JsonNode job = server.get("/api/jobs/" + id).json();
    assertThat(job.get("kind").asText()).isEqualTo("resize_image");
    assertThat(job.get("queue").asText()).isEqualTo("mail");
    assertThat(job.get("args")).isEqualTo(json("{\"path\": \"a.png\", \"sizes\": [1, 2]}"));
    assertThat(job.get("priority").asInt()).isEqualTo(3);
    assertThat(job.get("maxAttempts").asInt()).isEqualTo(4);
    assertThat(job.get("tags")).isEqualTo(json("[\"img\"]"));
    assertThat(job.get("metadata")).isEqualTo(json("{\"by\": \"api\"}"));
    assertThat(job.get("attempt").asInt()).isZero();
  }

  @Test
  void argsReachTheWorkerExactlyAsEnqueuedNumbersAndTextIncluded() {
    String args =
        """
        {"huge": 1e400, "tiny": 1e-400, "precise": 0.1000000000000000000000001,
         "trailingZero": 2.50, "bigInteger": 123456789012345678901234567890,
         "negative": -7.25E-3, "emoji": "\ud83d\ude00 ok", "accents": "Zoë, Ærø",
         "nested": [{"n": 1e1000}, -1e-1000, 0.0]}""";
    long id =
        server
            .post("/api/jobs", "{\"kind\": \"exact\", \"args\": " + args + "}")
            .json()
            .get("id")
            .asLong();

    JsonNode expected = json(args);
    assertThat(server.get("/api/jobs/" + id).json().get("args")).isEqualTo(expected);
    JsonNode fetched =
        server
            .post("/api/worker/fetch", "{\"worker\": \"w\", \"kinds\": [\"exact\"]}")
            .json()
            .get("jobs")
            .get(0);
    // Equal as exact decimals: 2.50 is not 2.5, and 1e400 is not Infinity.
    assertThat(fetched.get("args")).isEqualTo(expected);
    assertThat(fetched.get("args").get("trailingZero").decimalValue().scale()).isEqualTo(2);
    assertThat(fetched.get("args").get("huge").decimalValue())
        .isEqualByComparingTo(new java.math.BigDecimal("1e400"));
    assertThat(fetched.get("args").get("emoji").asText()).isEqualTo("\ud83d\ude00 ok");
  }

  @Test
  void aQueueTheStoreDoesNotKnowIsPausedAndResumedOnEveryStore() throws Exception {
    // A server that accepts any queue: "new-queue" has never held a job.
    try (ApiServer anyQueue =
        new ApiServer(
                server.errand,
                ServerOptions.defaults()
                    .withPort(0)
                    .withToken(TestServer.TOKEN)
                    .withQueues(java.util.Set.of("*")))
            .start()) {
      RawHttp http = new RawHttp(anyQueue.port());
      String auth = "Authorization: Bearer " + TestServer.TOKEN;

      RawHttp.Answer resumed = http.request("POST", "/api/queues/new-queue/resume", auth, null);
      assertThat(resumed.status()).as(resumed.body()).isEqualTo(200);
      assertThat(resumed.json().get("paused").asBoolean()).isFalse();

      RawHttp.Answer paused = http.request("POST", "/api/queues/other-queue/pause", auth, null);
      assertThat(paused.status()).as(paused.body()).isEqualTo(200);
      assertThat(paused.json().get("paused").asBoolean()).isTrue();
      RawHttp.Answer listed = http.request("GET", "/api/queues/other-queue", auth, null);
      assertThat(listed.json().get("paused").asBoolean()).isTrue();

      RawHttp.Answer again = http.request("POST", "/api/queues/other-queue/resume", auth, null);
      assertThat(again.status()).as(again.body()).isEqualTo(200);
      assertThat(again.json().get("paused").asBoolean()).isFalse();
    }
  }

  @Test
  void manyJobsAreEnqueuedTogetherEachWithItsOptions() {
    Response created =
        server.post(
            "/api/jobs",
            """
            {"jobs": [{"kind": "a"}, {"kind": "b", "runIn": "PT1H"},
                      {"kind": "c", "runAt": "2020-01-01T00:00:00Z"}]}""");

    assertThat(created.status()).isEqualTo(201);
    List<String> states = new ArrayList<>();
    created.json().get("jobs").forEach(j -> states.add(j.get("state").asText()));
    assertThat(states).containsExactly("available", "scheduled", "available");
    long scheduled = created.json().get("jobs").get(1).get("id").asLong();
    Instant runAt =
        Instant.parse(server.get("/api/jobs/" + scheduled).json().get("scheduledAt").asText());
    assertThat(runAt).isAfter(Instant.now().plusSeconds(3000));
  }

  @Test
  void listingFiltersByStateQueueAndKindAndPagesWithACursor() {
    for (int i = 0; i < 5; i++) {
      server.post("/api/jobs", "{\"kind\": \"a\"}");
    }
    server.post("/api/jobs", "{\"kind\": \"b\", \"queue\": \"mail\"}");
    server.post("/api/jobs", "{\"kind\": \"b\", \"runIn\": \"PT1H\"}");

    assertThat(ids("/api/jobs?kind=b")).containsExactly(6L, 7L);
    assertThat(ids("/api/jobs?queue=mail")).containsExactly(6L);
    assertThat(ids("/api/jobs?state=scheduled")).containsExactly(7L);
    assertThat(ids("/api/jobs?state=scheduled,available&kind=b")).containsExactly(6L, 7L);
    JsonNode first = server.get("/api/jobs?kind=a&limit=3").json();
    assertThat(first.get("nextCursor").asLong()).isEqualTo(3);
    assertThat(ids("/api/jobs?kind=a&limit=3&cursor=3")).containsExactly(4L, 5L);
    assertThat(server.get("/api/jobs?kind=a&limit=3&cursor=3").json().get("nextCursor").isNull())
        .isTrue();

    // Newest first: the cursor pages down the ids.
    assertThat(ids("/api/jobs?kind=a&limit=3&order=newest")).containsExactly(5L, 4L, 3L);
    assertThat(
            server.get("/api/jobs?kind=a&limit=3&order=newest").json().get("nextCursor").asLong())
        .isEqualTo(3);
    assertThat(ids("/api/jobs?kind=a&limit=3&order=newest&cursor=3")).containsExactly(2L, 1L);
    assertThat(ids("/api/jobs?kind=a&order=oldest")).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void listingFiltersByTagAndByConditionsOnArgsAndMetadata() {
    server.post(
        "/api/jobs",
        "{\"kind\": \"sync\", \"args\": {\"account\": 42, \"address\": {\"city\": \"Paris\"}},"
            + " \"tags\": [\"eu\"], \"metadata\": {\"request\": \"r-1\"}}");
    server.post("/api/jobs", "{\"kind\": \"sync\", \"args\": {\"account\": 7}}");

    assertThat(ids("/api/jobs?tag=eu")).containsExactly(1L);
    assertThat(ids("/api/jobs?where=args.account%3D42")).containsExactly(1L);
    assertThat(ids("/api/jobs?where=args.address.city%3DParis%20and%20metadata.request%3Dr-1"))
        .containsExactly(1L);
    assertThat(ids("/api/jobs?where=args.account%3D7&tag=eu")).isEmpty();
    Response bad = server.get("/api/jobs?where=account%3D7");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("field").asText()).isEqualTo("where");
  }

  @Test
  void aJobIsCancelledRetriedAndDeleted() {
    long id = enqueue("{\"kind\": \"a\"}");

    Response cancelled = server.post("/api/jobs/" + id + "/cancel", "");
    assertThat(cancelled.json().get("state").asText()).isEqualTo("cancelled");
    Response retried = server.post("/api/jobs/" + id + "/retry", "");
    assertThat(retried.json().get("state").asText()).isEqualTo("available");
    assertThat(server.delete("/api/jobs/" + id).status()).isEqualTo(204);

    Response gone = server.get("/api/jobs/" + id);
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.json().get("error").asText()).isEqualTo("no job " + id);
  }

  @Test
  void aPausedQueueGivesWorkersNothingUntilResumed() {
    long id = enqueue("{\"kind\": \"a\", \"queue\": \"mail\"}");

    Response paused = server.post("/api/queues/mail/pause", "");
    assertThat(paused.json().get("paused").asBoolean()).isTrue();
    assertThat(fetch("{\"worker\": \"w\", \"queues\": [\"mail\"]}")).isEmpty();
    JsonNode mail = server.get("/api/queues/mail").json();
    assertThat(mail.get("counts").get("available").asLong()).isEqualTo(1);

    server.post("/api/queues/mail/resume", "");
    assertThat(fetch("{\"worker\": \"w\", \"queues\": [\"mail\"]}")).containsExactly(id);
    JsonNode queues = server.get("/api/queues").json().get("queues");
    List<String> names = new ArrayList<>();
    queues.forEach(q -> names.add(q.get("name").asText()));
    assertThat(names).containsExactly("default", "mail");
    // Within a bound the counts are those of the exact list, and none is an estimate.
    JsonNode bounded = server.get("/api/queues?exactUpTo=100").json().get("queues");
    assertThat(bounded).isEqualTo(queues);
    bounded.forEach(q -> assertThat(q.get("estimated")).isEmpty());
  }

  @Test
  void aWorkerFetchesOnlyItsKindsAndCompletesUnderItsLease() {
    long email = enqueue("{\"kind\": \"email\"}");
    long resize = enqueue("{\"kind\": \"resize\", \"priority\": 1}");

    JsonNode fetched =
        server
            .post(
                "/api/worker/fetch",
                "{\"worker\": \"py-1\", \"kinds\": [\"resize\"], \"limit\": 5}")
            .json()
            .get("jobs");
    assertThat(fetched).hasSize(1);
    JsonNode job = fetched.get(0);
    assertThat(job.get("id").asLong()).isEqualTo(resize);
    assertThat(job.get("state").asText()).isEqualTo("running");
    assertThat(job.get("leaseOwner").asText()).isEqualTo("py-1");
    assertThat(job.get("heartbeatAt").isNull()).as("the claim is no heartbeat").isTrue();
    assertThat(server.get("/api/jobs/" + email).json().get("state").asText())
        .isEqualTo("available");

    Instant leaseBefore = Instant.parse(job.get("leaseExpiresAt").asText());
    Response beat =
        server.post(
            "/api/worker/heartbeat",
            "{\"worker\": \"py-1\", \"leaseSeconds\": 600, \"jobs\": [{\"id\": "
                + resize
                + ", \"attempt\": 1}, {\"id\": "
                + email
                + ", \"attempt\": 1}]}");
    assertThat(beat.json().get("lost")).isEqualTo(json("[" + email + "]"));
    JsonNode renewed = server.get("/api/jobs/" + resize).json();
    Instant leaseAfter = Instant.parse(renewed.get("leaseExpiresAt").asText());
    assertThat(leaseAfter).isAfter(leaseBefore);
    assertThat(Instant.parse(renewed.get("heartbeatAt").asText()))
        .isEqualTo(leaseAfter.minusSeconds(600));

    Response done = server.post("/api/worker/jobs/" + resize + "/complete", "{\"attempt\": 1}");
    assertThat(done.status()).isEqualTo(200);
    assertThat(done.json().get("state").asText()).isEqualTo("completed");
    Response again = server.post("/api/worker/jobs/" + resize + "/complete", "{\"attempt\": 1}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.json().get("field").asText()).isEqualTo("attempt");
  }

  @Test
  void aFailureIsKeptAndRetriedThenTheLastOneDiscards() {
    long id = enqueue("{\"kind\": \"a\", \"maxAttempts\": 2}");
    assertThat(fetch("{\"worker\": \"w\"}")).containsExactly(id);

    Response failed =
        server.post(
            "/api/worker/jobs/" + id + "/fail",
            """
            {"attempt": 1, "retryInSeconds": 0,
             "error": {"class": "ValueError", "message": "bad input", "stackTrace": "line 1"}}""");
    assertThat(failed.json().get("state").asText()).isIn("retryable", "available");
    JsonNode error = failed.json().get("errors").get(0);
    assertThat(error.get("class").asText()).isEqualTo("ValueError");
    assertThat(error.get("message").asText()).isEqualTo("bad input");
    assertThat(error.get("stackTrace").asText()).isEqualTo("line 1");
    assertThat(error.get("node").asText()).as("the worker that fetched it").isEqualTo("w");
    assertThat(Instant.parse(error.get("startedAt").asText()))
        .isBeforeOrEqualTo(Instant.parse(error.get("at").asText()));

    await().until(() -> !fetch("{\"worker\": \"w\"}").isEmpty());
    Response last =
        server.post(
            "/api/worker/jobs/" + id + "/fail",
            "{\"attempt\": 2, \"error\": {\"message\": \"still bad\"}}");
    assertThat(last.json().get("state").asText()).isEqualTo("discarded");
    assertThat(last.json().get("errors")).hasSize(2);
  }

  @Test
  void aSnoozeDoesNotCountTheAttemptAndADiscardEndsTheJob() {
    long snoozed = enqueue("{\"kind\": \"a\"}");
    long discarded = enqueue("{\"kind\": \"b\"}");
    assertThat(fetch("{\"worker\": \"w\", \"limit\": 2}")).containsExactly(snoozed, discarded);

    JsonNode s =
        server
            .post(
                "/api/worker/jobs/" + snoozed + "/snooze",
                "{\"attempt\": 1, \"delaySeconds\": 3600}")
            .json();
    assertThat(s.get("state").asText()).isEqualTo("scheduled");
    assertThat(s.get("attempt").asInt()).isZero();
    JsonNode d =
        server
            .post(
                "/api/worker/jobs/" + discarded + "/discard",
                "{\"attempt\": 1, \"reason\": \"spam\"}")
            .json();
    assertThat(d.get("state").asText()).isEqualTo("discarded");
    assertThat(d.get("errors").get(0).get("message").asText()).isEqualTo("spam");
  }

  @Test
  void anExpiredLeaseIsRescuedAndItsLateResultRefused() {
    long id = enqueue("{\"kind\": \"a\"}");
    assertThat(fetch("{\"worker\": \"w\", \"leaseSeconds\": 1}")).containsExactly(id);

    await()
        .until(() -> !server.get("/api/jobs/" + id).json().get("state").asText().equals("running"));

    JsonNode job = server.get("/api/jobs/" + id).json();
    assertThat(job.get("errors").get(0).get("message").asText()).contains("lease of w expired");
    assertThat(server.post("/api/worker/jobs/" + id + "/complete", "{\"attempt\": 1}").status())
        .isEqualTo(409);
  }

  @Test
  void aDuplicateOfAUniqueJobAnswersTheExistingJobsIdAndState() {
    String sync =
        """
        {"kind": "sync", "args": {"account": 1, "asked": "%s"}, "unique": {"args": ["account"]}}""";
    long first = enqueue(sync.formatted("09:00"));
    assertThat(fetch("{\"worker\": \"w\"}")).containsExactly(first);

    Response again = server.post("/api/jobs", sync.formatted("09:05"));
    assertThat(again.status()).as(again.text()).isEqualTo(200);
    assertThat(again.json())
        .isEqualTo(json("{\"id\": " + first + ", \"state\": \"running\", \"duplicate\": true}"));

    Response batch =
        server.post(
            "/api/jobs",
            """
            {"jobs": [
              {"kind": "sync", "args": {"account": 1}, "unique": {"args": ["account"]}},
              {"kind": "sync", "args": {"account": 2}, "unique": {"args": ["account"]}}]}""");
    assertThat(batch.status()).as(batch.text()).isEqualTo(201);
    JsonNode jobs = batch.json().get("jobs");
    assertThat(jobs.get(0).get("id").asLong()).isEqualTo(first);
    assertThat(jobs.get(0).get("duplicate").asBoolean()).isTrue();
    assertThat(jobs.get(1).get("duplicate").asBoolean()).isFalse();
    assertThat(jobs.get(1).get("state").asText()).isEqualTo("available");
    assertThat(ids("/api/jobs?kind=sync")).containsExactly(first, jobs.get(1).get("id").asLong());
    assertThat(server.get("/api/jobs/" + first).json().get("uniqueKey").asText())
        .matches("[0-9a-f]{64}");
    long ordinary = enqueue("{\"kind\": \"sync\"}");
    assertThat(server.get("/api/jobs/" + ordinary).json().get("uniqueKey").isNull()).isTrue();
  }

  @Test
  void uniqueByQueueAndByPeriodKeepApartWhatDiffersInThem() {
    long mail =
        enqueue("{\"kind\": \"report\", \"queue\": \"mail\", \"unique\": {\"queue\": true}}");
    long other = enqueue("{\"kind\": \"report\", \"unique\": {\"queue\": true}}");
    assertThat(other).isNotEqualTo(mail);
    long byKind = enqueue("{\"kind\": \"audit\", \"queue\": \"mail\", \"unique\": {}}");
    Response otherQueue = server.post("/api/jobs", "{\"kind\": \"audit\", \"unique\": {}}");
    assertThat(otherQueue.json().get("id").asLong()).isEqualTo(byKind);
    assertThat(otherQueue.json().get("duplicate").asBoolean()).isTrue();

    String hourly = "{\"kind\": \"digest\", \"runAt\": \"%s\", \"unique\": {\"period\": \"PT1H\"}}";
    long nine = enqueue(hourly.formatted("2030-01-01T09:10:00Z"));
    Response sameHour = server.post("/api/jobs", hourly.formatted("2030-01-01T09:50:00Z"));
    assertThat(sameHour.json())
        .isEqualTo(json("{\"id\": " + nine + ", \"state\": \"scheduled\", \"duplicate\": true}"));
    long ten = enqueue(hourly.formatted("2030-01-01T10:10:00Z"));
    assertThat(ten).isNotEqualTo(nine);
  }

  @Test
  void aCancelledUniqueJobFreesItsKeyAndCannotBeRetriedWhileAnotherHoldsIt() {
    String unique = "{\"kind\": \"u\", \"unique\": {}}";
    long cancelled = enqueue(unique);
    server.post("/api/jobs/" + cancelled + "/cancel", "");
    long holder = enqueue(unique);
    assertThat(holder).isNotEqualTo(cancelled);

    Response retried = server.post("/api/jobs/" + cancelled + "/retry", "");
    assertThat(retried.status()).as(retried.text()).isEqualTo(409);
    assertThat(retried.json().get("field").asText()).isEqualTo("id");
    assertThat(retried.json().get("error").asText())
        .isEqualTo(
            "job "
                + cancelled
                + " cannot be retried: unique job "
                + holder
                + " holds the same key; retry or cancel that one instead");
    assertThat(server.get("/api/jobs/" + cancelled).json().get("state").asText())
        .isEqualTo("cancelled");

    String withCancelled =
        """
        {"kind": "v", "unique": {"states":
          ["scheduled", "available", "running", "retryable", "cancelled"]}}""";
    long v = enqueue(withCancelled);
    server.post("/api/jobs/" + v + "/cancel", "");
    Response blocked = server.post("/api/jobs", withCancelled);
    assertThat(blocked.json())
        .isEqualTo(json("{\"id\": " + v + ", \"state\": \"cancelled\", \"duplicate\": true}"));
  }

  @Test
  void aJobWaitsOnItsDependenciesAndShowsHowTheyEnded() {
    long a = enqueue("{\"kind\": \"import\"}");
    long b = enqueue("{\"kind\": \"import\"}");
    Response report =
        server.post("/api/jobs", "{\"kind\": \"report\", \"dependsOn\": [" + a + ", " + b + "]}");
    assertThat(report.json().get("state").asText()).as(report.text()).isEqualTo("pending");
    long id = report.json().get("id").asLong();
    assertThat(server.get("/api/jobs/" + id).json().get("dependencies"))
        .isEqualTo(json("{\"waiting\": 2, \"completed\": 0, \"discarded\": 0, \"cancelled\": 0}"));
    assertThat(server.get("/api/jobs/" + a).json().has("dependencies")).isFalse();

    assertThat(fetch("{\"worker\": \"w\", \"kinds\": [\"import\"], \"limit\": 2}"))
        .containsExactly(a, b);
    server.post("/api/worker/jobs/" + a + "/complete", "{\"attempt\": 1}");
    await()
        .untilAsserted(
            () ->
                assertThat(server.get("/api/jobs/" + id).json().get("dependencies"))
                    .isEqualTo(
                        json(
                            "{\"waiting\": 1, \"completed\": 1, \"discarded\": 0,"
                                + " \"cancelled\": 0}")));
    assertThat(server.get("/api/jobs/" + id).json().get("state").asText()).isEqualTo("pending");
    server.post("/api/worker/jobs/" + b + "/complete", "{\"attempt\": 1}");
    await()
        .until(
            () -> server.get("/api/jobs/" + id).json().get("state").asText().equals("available"));
  }

  @Test
  void aFailedDependencyCancelsItsDependentUnlessItRunsAnyway() {
    long failing = enqueue("{\"kind\": \"a\"}");
    long cancelledWithIt = enqueue("{\"kind\": \"b\", \"dependsOn\": [" + failing + "]}");
    long runsAnyway =
        enqueue(
            "{\"kind\": \"c\", \"dependsOn\": [" + failing + "], \"ifDependencyFails\": \"run\"}");

    server.post("/api/jobs/" + failing + "/cancel", "");

    await()
        .until(
            () ->
                server
                    .get("/api/jobs/" + cancelledWithIt)
                    .json()
                    .get("state")
                    .asText()
                    .equals("cancelled"));
    await()
        .until(
            () ->
                server
                    .get("/api/jobs/" + runsAnyway)
                    .json()
                    .get("state")
                    .asText()
                    .equals("available"));
    assertThat(
            server
                .get("/api/jobs/" + runsAnyway)
                .json()
                .get("dependencies")
                .get("cancelled")
                .asInt())
        .isEqualTo(1);
  }

  @Test
  void aBatchsCallbackBecomesAvailableOnceEveryMemberHasFinished() {
    Response created =
        server.post(
            "/api/batches",
            """
            {"jobs": [{"kind": "ticket", "args": {"order": 1}}, {"kind": "ticket", "args": {"order": 2}}],
             "onFinish": {"kind": "send_tickets", "args": {"event": 7}, "queue": "mail"}}""");
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    List<Long> members = new ArrayList<>();
    created.json().get("jobs").forEach(j -> members.add(j.get("id").asLong()));
    JsonNode onFinish = created.json().get("onFinish");
    assertThat(onFinish.get("state").asText()).isEqualTo("pending");
    long callback = onFinish.get("id").asLong();
    assertThat(server.get("/api/jobs/" + callback).json().get("queue").asText()).isEqualTo("mail");

    assertThat(fetch("{\"worker\": \"w\", \"kinds\": [\"ticket\"], \"limit\": 5}"))
        .containsExactlyElementsOf(members);
    server.post("/api/worker/jobs/" + members.get(0) + "/complete", "{\"attempt\": 1}");
    server.post(
        "/api/worker/jobs/" + members.get(1) + "/discard",
        "{\"attempt\": 1, \"reason\": \"sold out\"}");

    await()
        .until(
            () ->
                server
                    .get("/api/jobs/" + callback)
                    .json()
                    .get("state")
                    .asText()
                    .equals("available"));
    assertThat(server.get("/api/jobs/" + callback).json().get("dependencies"))
        .isEqualTo(json("{\"waiting\": 0, \"completed\": 1, \"discarded\": 1, \"cancelled\": 0}"));
  }

  private long enqueue(String json) {
    Response response = server.post("/api/jobs", json);
    assertThat(response.status()).as(response.text()).isEqualTo(201);
    return response.json().get("id").asLong();
  }

  private List<Long> fetch(String json) {
    Response response = server.post("/api/worker/fetch", json);
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    List<Long> ids = new ArrayList<>();
    response.json().get("jobs").forEach(j -> ids.add(j.get("id").asLong()));
    return ids;
  }

  private List<Long> ids(String path) {
    Response response = server.get(path);
    assertThat(response.status()).as(response.text()).isEqualTo(200);
    List<Long> ids = new ArrayList<>();
    response.json().get("jobs").forEach(j -> ids.add(j.get("id").asLong()));
    return ids;
  }

  private static JsonNode json(String text) {
    try {
      return Body.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
