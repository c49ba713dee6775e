package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.errand.spi.JobFinishManyParams;
import dev.errand.spi.Store;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Text no store keeps, a NUL character or an unpaired UTF-16 surrogate, is refused where it enters
 * the public API, naming the field; in a worker's exception the engine replaces it instead.
 */
class StoredTextTest extends EngineHarness {
  private static final String NUL_WHY = ", which no store keeps in text";
  private static final String SURROGATE_WHY =
      ", which is no Unicode character and no store keeps as it is";

  record Note(String note, List<String> items) implements JobArgs {
    @Override
    public String kind() {
      return "note";
    }
  }

  @Nested
  class Options {
    @Test
    void aTagIsRefusedByItsPosition() {
      assertThatThrownBy(() -> EnqueueOptions.defaults().tags("ok", "a\u0000b"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("tags[1] contains a NUL character (U+0000) at index 1" + NUL_WHY);
      assertThatThrownBy(() -> EnqueueOptions.defaults().tags("\ud800x"))
          .hasMessage(
              "tags[0] contains an unpaired UTF-16 surrogate (U+D800) at index 0" + SURROGATE_WHY);
      assertThatThrownBy(() -> EnqueueOptions.defaults().tags("x\udc00"))
          .hasMessage(
              "tags[0] contains an unpaired UTF-16 surrogate (U+DC00) at index 1" + SURROGATE_WHY);
      assertThatThrownBy(() -> EnqueueOptions.defaults().tags("x\ud83d"))
          .hasMessage(
              "tags[0] contains an unpaired UTF-16 surrogate (U+D83D) at index 1" + SURROGATE_WHY);
    }

    @Test
    void aMetadataKeyOrValueIsRefusedByItsKey() {
      assertThatThrownBy(() -> EnqueueOptions.defaults().metadata(Map.of("k\u0000", "v")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "metadata key 'k\\u0000' contains a NUL character (U+0000) at index 1" + NUL_WHY);
      assertThatThrownBy(() -> EnqueueOptions.defaults().metadata(Map.of("\udfff", "v")))
          .hasMessage(
              "metadata key '\\udfff' contains an unpaired UTF-16 surrogate (U+DFFF) at index 0"
                  + SURROGATE_WHY);
      assertThatThrownBy(() -> EnqueueOptions.defaults().metadata(Map.of("k", "v\ud800")))
          .hasMessage(
              "metadata['k'] contains an unpaired UTF-16 surrogate (U+D800) at index 1"
                  + SURROGATE_WHY);
    }

    @Test
    void supplementaryCharactersAreKeptAsTheyAre() {
      Errand client = Errand.create(config().build());

      long id =
          client
              .enqueue(
                  new Note("🚀", List.of()),
                  EnqueueOptions.defaults()
                      .tags("🚀 launch", "日本")
                      .metadata(Map.of("🔑", "värde 😀")))
              .id();

      JobInfo job = job(id);
      assertThat(job.tags()).containsExactly("🚀 launch", "日本");
      assertThat(job.metadata()).isEqualTo(Map.of("🔑", "värde 😀"));
      assertThat(job.argsJson()).isEqualTo("{\"note\":\"🚀\",\"items\":[]}");
    }
  }

  @Nested
  class Args {
    private final Errand client = Errand.create(config().build());

    @Test
    void aRecordFieldIsNamedByItsPath() {
      assertThatThrownBy(() -> client.enqueue(new Note("bad\u0000byte", List.of())))
          .isInstanceOf(JobArgsException.class)
          .hasMessage("args.note contains a NUL character (U+0000)" + NUL_WHY + " (kind 'note')");
      assertThatThrownBy(() -> client.enqueue(new Note("ok", List.of("a", "b\ud800"))))
          .isInstanceOf(JobArgsException.class)
          .hasMessage(
              "args.items[1] contains an unpaired UTF-16 surrogate (U+D800)"
                  + SURROGATE_WHY
                  + " (kind 'note')");
      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }

    @Test
    void rawJsonCountsEscapesAndRawCharactersAlike() {
      assertRefused("{\"note\":\"a\\u0000b\"}", "args.note contains a NUL character (U+0000)");
      assertRefused("{\"note\":\"a\u0000b\"}", "args.note contains a NUL character (U+0000)");
      assertRefused(
          "{\"a\":{\"b\":[1,\"\\ud800\"]}}",
          "args.a.b[1] contains an unpaired UTF-16 surrogate (U+D800)");
      assertRefused(
          "{\"note\":\"\\ud83d\\u0041\"}",
          "args.note contains an unpaired UTF-16 surrogate (U+D83D)");
      assertRefused(
          "{\"note\":\"\\ude00\"}", "args.note contains an unpaired UTF-16 surrogate (U+DE00)");
      assertRefused(
          "{\"note\":\"\\ud83d\ude00\"}",
          "args.note contains an unpaired UTF-16 surrogate (U+D83D)");
      assertRefused(
          "{\"note\":\"x\ud83d\"}", "args.note contains an unpaired UTF-16 surrogate (U+D83D)");
      assertRefused("{\"k\\u0000\":1}", "a field name in args contains a NUL character (U+0000)");
      assertRefused("\"\\u0000\"", "args contains a NUL character (U+0000)");
      assertThat(store.jobList(JobQuery.all())).isEmpty();
    }

    @Test
    void anEscapedBackslashIsNoEscapeAndPairsAreText() {
      List<String> accepted =
          List.of(
              "{\"path\":\"C:\\\\u0000\"}",
              "{\"path\":\"\\\\\\\\u0000\"}",
              "{\"emoji\":\"\\ud83d\\ude00\",\"raw\":\"😀\",\"upper\":\"\\uD83D\\uDE00\"}",
              "{\"quote\":\"\\\"\\u0001\"}");

      for (String json : accepted) {
        long id = client.enqueue(new RawArgs("raw", json)).id();
        assertThat(job(id).argsJson()).isEqualTo(json);
      }
    }

    private void assertRefused(String json, String message) {
      assertThatThrownBy(() -> client.enqueue(new RawArgs("raw", json)))
          .isInstanceOf(JobArgsException.class)
          .hasMessageStartingWith(message)
          .hasMessageEndingWith(" (kind 'raw')");
    }
  }

  @Nested
  class ExternalWorkers {
    private final Errand client = Errand.create(config().build());

    @Test
    void theOwnerIsRefusedLikeItsLengthIs() {
      assertThatThrownBy(
              () ->
                  client
                      .leases()
                      .fetch(List.of("default"), Set.of(), 1, "py\u0000", Duration.ofSeconds(30)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("owner contains a NUL character (U+0000) at index 2" + NUL_WHY);
      assertThatThrownBy(
              () -> client.leases().heartbeat("\ud800", List.of(), Duration.ofSeconds(30)))
          .hasMessage(
              "owner contains an unpaired UTF-16 surrogate (U+D800) at index 0" + SURROGATE_WHY);
      String longest = "w".repeat(Leases.MAX_OWNER_LENGTH);
      assertThat(
              client
                  .leases()
                  .fetch(List.of("default"), Set.of(), 1, longest, Duration.ofSeconds(1)))
          .isEmpty();
      assertThatThrownBy(
              () ->
                  client
                      .leases()
                      .fetch(List.of("default"), Set.of(), 1, longest + "w", Duration.ofSeconds(1)))
          .hasMessageStartingWith("owner must be 1 to 128 characters, was 'www");
      assertThatThrownBy(
              () ->
                  client
                      .leases()
                      .fetch(List.of("default"), Set.of(), 1, " ", Duration.ofSeconds(1)))
          .hasMessage("owner must be 1 to 128 characters, was ' '");
    }

    @Test
    void resultsAreRefusedNamingTheFieldAndTheJobKeepsRunning() {
      long id = client.enqueue(new RawArgs("a", "{}")).id();
      client.leases().fetch(List.of("default"), Set.of(), 1, "py", Duration.ofSeconds(30));
      AttemptRef attempt = new AttemptRef(id, 1);

      assertThatThrownBy(() -> client.leases().discard(attempt, "bad\u0000"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("discard reason contains a NUL character (U+0000) at index 3" + NUL_WHY);
      assertThatThrownBy(() -> client.leases().fail(attempt, "E\u0000", "m", "t", null))
          .hasMessage("errorClass contains a NUL character (U+0000) at index 1" + NUL_WHY);
      assertThatThrownBy(() -> client.leases().fail(attempt, "E", "m\ud800", "t", null))
          .hasMessage(
              "message contains an unpaired UTF-16 surrogate (U+D800) at index 1" + SURROGATE_WHY);
      assertThatThrownBy(() -> client.leases().fail(attempt, "E", "m", "at x\u0000", null))
          .hasMessage("stackTrace contains a NUL character (U+0000) at index 4" + NUL_WHY);

      assertThat(state(id)).isEqualTo(JobState.RUNNING);
      assertThat(job(id).errors()).isEmpty();
      assertThat(client.leases().fail(attempt, "Err😀", "msg 😀", "trace 😀", null)).isTrue();
      assertThat(job(id).errors())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.errorClass()).isEqualTo("Err😀");
                assertThat(e.message()).isEqualTo("msg 😀");
                assertThat(e.stackTrace()).isEqualTo("trace 😀");
              });
    }

    @Test
    void aCutMessageNeverEndsInHalfAPair() {
      String message = "x".repeat(AttemptError.MAX_MESSAGE_CHARS - 2) + "😀😀";

      AttemptError error = AttemptError.of(1, clock.instant(), "E", message);

      assertThat(error.message()).hasSize(AttemptError.MAX_MESSAGE_CHARS - 1).endsWith("x…");
    }
  }

  @Nested
  class Outcomes {
    @Test
    void reasonsAreRefusedNamingTheOutcome() {
      assertThatThrownBy(() -> Outcome.cancel("a\u0000"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("cancel reason contains a NUL character (U+0000) at index 1" + NUL_WHY);
      assertThatThrownBy(() -> Outcome.discard("\udbff"))
          .hasMessage(
              "discard reason contains an unpaired UTF-16 surrogate (U+DBFF) at index 0"
                  + SURROGATE_WHY);
    }

    @Test
    void aNodeIdIsRefusedInTheConfig() {
      assertThatThrownBy(() -> Config.builder(store).nodeId("node\u0000"))
          .isInstanceOf(InvalidConfigException.class)
          .hasMessage("nodeId contains a NUL character (U+0000) at index 4" + NUL_WHY);
    }
  }

  @Nested
  class WorkerExceptions {
    @Test
    void areKeptWithEachBadCharacterReplacedAndSpareTheRestOfTheirBatch() throws Exception {
      CountDownLatch writes = new CountDownLatch(1);
      List<List<Long>> batches = new CopyOnWriteArrayList<>();
      Set<Thread> workers = ConcurrentHashMap.newKeySet();
      Errand errand =
          Errand.create(
                  Config.builder(holdingFinishes(store, writes, batches))
                      .clock(clock)
                      .pollInterval(Duration.ofMillis(20))
                      .queue("default", 8)
                      .worker("note", Note.class, job -> throwing(job, workers))
                      .build())
              .start();
      try {
        // The first result's write waits; the five after it pile up behind it, in one batch.
        long first = errand.enqueue(new Note("ok", List.of())).id();
        await().until(() -> workers.size() == 1 && workers.stream().noneMatch(Thread::isAlive));
        List<Long> ids =
            errand
                .enqueueAll(
                    List.of(
                        new Note("ok", List.of()),
                        new Note("nul", List.of()),
                        new Note("ok", List.of()),
                        new Note("lone", List.of()),
                        new Note("ok", List.of())))
                .stream()
                .map(Enqueued::id)
                .toList();
        // A worker's thread ends only after its result was handed to the completer.
        await().until(() -> workers.size() == 6 && workers.stream().noneMatch(Thread::isAlive));
        writes.countDown();

        for (long id : List.of(first, ids.get(0), ids.get(2), ids.get(4))) {
          await().until(() -> state(id) == JobState.COMPLETED);
        }
        await().until(() -> state(ids.get(1)) == JobState.RETRYABLE);
        await().until(() -> state(ids.get(3)) == JobState.RETRYABLE);
        assertThat(batches).contains(List.of(first));
        assertThat(batches.stream().filter(b -> b.contains(ids.get(1))))
            .singleElement()
            .satisfies(batch -> assertThat(batch).containsExactlyInAnyOrderElementsOf(ids));
        assertThat(job(ids.get(1)).errors())
            .singleElement()
            .satisfies(
                e -> {
                  assertThat(e.errorClass()).isEqualTo(RuntimeException.class.getName());
                  assertThat(e.message()).isEqualTo("bad\uFFFDbyte");
                  assertThat(e.stackTrace())
                      .startsWith("java.lang.RuntimeException: bad\uFFFDbyte")
                      .doesNotContain("\u0000");
                });
        assertThat(job(ids.get(3)).errors())
            .singleElement()
            .satisfies(e -> assertThat(e.message()).isEqualTo("lone\uFFFD surrogate"));
      } finally {
        writes.countDown();
        errand.stop(Duration.ofSeconds(5));
      }
    }
  }

  /** The worker of {@link WorkerExceptions}: its exceptions carry text that args cannot. */
  static Outcome throwing(Job<Note> job, Set<Thread> workers) {
    workers.add(Thread.currentThread());
    return switch (job.args().note()) {
      case "nul" -> throw new RuntimeException("bad\u0000byte");
      case "lone" -> throw new RuntimeException("lone\ud800 surrogate");
      default -> Outcome.complete();
    };
  }

  /** {@code store}, with every result write held until {@code writes} opens, each recorded. */
  static Store holdingFinishes(Store store, CountDownLatch writes, List<List<Long>> batches) {
    return (Store)
        Proxy.newProxyInstance(
            Store.class.getClassLoader(),
            new Class<?>[] {Store.class},
            (proxy, method, args) -> {
              if (method.getName().equals("jobFinishMany")) {
                writes.await();
                batches.add(
                    ((JobFinishManyParams) args[0])
                        .results().stream().map(r -> r.ref().id()).toList());
              }
              try {
                return method.invoke(store, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }
}
