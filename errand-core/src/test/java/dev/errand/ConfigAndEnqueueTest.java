package dev.errand;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.errand.TestArgs.Noop;
import dev.errand.spi.Store;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigAndEnqueueTest {
  private final TestClock clock = new TestClock();
  private final Store store = Stores.inMemory();
  private final Errand client = Errand.create(Config.builder(store).clock(clock).build());

  record Unwritable(Object socket) implements JobArgs {
    @Override
    public String kind() {
      return "unwritable";
    }
  }

  record Big(String blob) implements JobArgs {
    @Override
    public String kind() {
      return "big";
    }
  }

  record Liar(int n) implements JobArgs {
    @Override
    public String kind() {
      return "not-the-registered-kind";
    }
  }

  @Test
  void configErrorsNameTheFieldAndItsLimit() {
    assertThatThrownBy(() -> Config.builder(store).queue("mail", 0))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("queue 'mail': concurrency must be between 1 and 10000, was 0");
    assertThatThrownBy(() -> Config.builder(store).queue("mail", 1).queue("mail", 2))
        .hasMessage("queues: 'mail' is configured twice");
    assertThatThrownBy(() -> Config.builder(store).leaseDuration(Duration.ofMillis(1)))
        .hasMessage("leaseDuration must be between PT0.1S and PT1H, was PT0.001S");
    assertThatThrownBy(
            () ->
                Config.builder(store)
                    .leaseDuration(Duration.ofSeconds(10))
                    .heartbeatInterval(Duration.ofSeconds(6))
                    .build())
        .hasMessage("heartbeatInterval must be at most half of leaseDuration (PT5S), was PT6S");
    assertThatThrownBy(() -> Config.builder(store).worker("bad kind!", Noop.class, j -> null))
        .hasMessageStartingWith("workers: job kind must be 1 to 128 characters");
    assertThatThrownBy(() -> QueueConfig.of("no spaces", 1))
        .hasMessageContaining("queue name must be");
  }

  @Test
  void enqueueStoresTheJobWithItsOptions() {
    Enqueued e =
        client.enqueue(
            new Noop(3),
            EnqueueOptions.defaults()
                .queue("mail")
                .priority(2)
                .runIn(Duration.ofMinutes(1))
                .maxAttempts(4)
                .tags("signup", "eu")
                .metadata(Map.of("request_id", "r-1")));

    assertThat(e.state()).isEqualTo(JobState.SCHEDULED);
    assertThat(e.duplicate()).isFalse();
    JobInfo job = client.jobs().get(e.id()).orElseThrow();
    assertThat(job.kind()).isEqualTo("noop");
    assertThat(job.queue()).isEqualTo("mail");
    assertThat(job.argsJson()).isEqualTo("{\"n\":3}");
    assertThat(job.priority()).isEqualTo(2);
    assertThat(job.scheduledAt()).isEqualTo(clock.instant().plusSeconds(60));
    assertThat(job.createdAt()).isEqualTo(clock.instant());
    assertThat(job.maxAttempts()).isEqualTo(4);
    assertThat(job.tags()).containsExactly("signup", "eu");
    assertThat(job.metadata()).containsEntry("request_id", "r-1");
  }

  @Test
  void defaultsComeFromTheWorkerThenTheConfig() {
    Errand withWorker =
        Errand.create(
            Config.builder(store)
                .defaultMaxAttempts(7)
                .worker(
                    "noop",
                    Noop.class,
                    new Worker<Noop>() {
                      @Override
                      public Outcome work(Job<Noop> job) {
                        return Outcome.complete();
                      }

                      @Override
                      public int maxAttempts() {
                        return 3;
                      }
                    })
                .build());

    long id = withWorker.enqueue(new Noop(1)).id();
    long other = withWorker.enqueue(new TestArgs.Step("x")).id();

    assertThat(store.jobGet(id).orElseThrow().maxAttempts()).isEqualTo(3);
    assertThat(store.jobGet(other).orElseThrow().maxAttempts()).isEqualTo(7);
    assertThat(store.jobGet(other).orElseThrow().queue()).isEqualTo(Config.DEFAULT_QUEUE);
    assertThat(store.jobGet(other).orElseThrow().priority()).isZero();
  }

  @Test
  void argsThatCannotBeWrittenFailAtEnqueueNamingKindAndField() {
    assertThatThrownBy(() -> client.enqueue(new Unwritable(new Object())))
        .isInstanceOf(JobArgsException.class)
        .hasMessageContaining("kind 'unwritable'")
        .hasMessageContaining("field 'socket'");
    assertThat(store.queueList()).isEmpty();
  }

  @Test
  void oversizedArgsAreRejectedAndNothingIsStored() {
    Errand small = Errand.create(Config.builder(store).maxArgsBytes(1024).build());

    assertThatThrownBy(() -> small.enqueue(new Big("x".repeat(2000))))
        .isInstanceOf(JobArgsException.class)
        .hasMessageContaining(
            "args of kind 'big' are 2011 bytes of JSON, more than maxArgsBytes (1024)");
    assertThat(store.queueList()).isEmpty();
  }

  @Test
  void argsOfExactlyMaxArgsBytesAreStoredAsGivenAndOneByteMoreIsRefused() {
    Errand small = Errand.create(Config.builder(store).clock(clock).maxArgsBytes(1024).build());
    String atLimit = argsOfBytes(1024, "");

    long id = small.enqueue(new RawArgs("raw", atLimit)).id();

    assertThat(store.jobGet(id).orElseThrow().argsJson()).isEqualTo(atLimit);
    assertThatThrownBy(() -> small.enqueue(new RawArgs("raw", argsOfBytes(1025, ""))))
        .isInstanceOf(JobArgsException.class)
        .hasMessage(
            "args of kind 'raw' are 1025 bytes of JSON, more than maxArgsBytes (1024); keep large"
                + " data in your own tables and pass its id");
    assertThat(store.queueList().get(0).count(JobState.AVAILABLE)).isEqualTo(1);
  }

  @Test
  void theLimitCountsUtf8BytesSoAMultiByteCharacterCrossingItIsRefused() {
    Errand small = Errand.create(Config.builder(store).clock(clock).maxArgsBytes(1024).build());
    // One character of each width ends the text: at 1024 bytes it fits; one byte further on, it
    // crosses the limit although the JSON has at most 1024 chars (Java's UTF-16 units), which a
    // limit counted in chars would let through.
    for (String last : List.of("\u00e9", "\u20ac", "\ud83d\ude00")) {
      String atLimit = argsOfBytes(1024, last);
      String over = argsOfBytes(1025, last);
      assertThat(over.length()).as("chars of %s", last).isLessThanOrEqualTo(1024);

      long id = small.enqueue(new RawArgs("raw", atLimit)).id();

      assertThat(store.jobGet(id).orElseThrow().argsJson().getBytes(UTF_8))
          .as("stored %s", last)
          .isEqualTo(atLimit.getBytes(UTF_8));
      assertThatThrownBy(() -> small.enqueue(new RawArgs("raw", over)))
          .as("one byte over, ending in %s", last)
          .isInstanceOf(JobArgsException.class)
          .hasMessageContaining("are 1025 bytes of JSON, more than maxArgsBytes (1024)");
    }
    // A record's args are counted the same way, after the codec wrote them.
    String euros = "\u20ac".repeat(339); // 1017 bytes; with {"blob":""} 1028, but only 350 chars
    assertThatThrownBy(() -> small.enqueue(new Big(euros)))
        .isInstanceOf(JobArgsException.class)
        .hasMessageContaining("args of kind 'big' are 1028 bytes of JSON, more than maxArgsBytes");
  }

  @Test
  void argsAtTheDefaultLimitInEveryWidthOfCharacterAreStoredAsGiven() {
    String atLimit = argsOfBytes(Config.DEFAULT_MAX_ARGS_BYTES, "");
    String args = "{\"s\":\"" + mixedText(Config.DEFAULT_MAX_ARGS_BYTES - 8) + "\"}";
    String blob = mixedText(Config.DEFAULT_MAX_ARGS_BYTES - "{\"blob\":\"\"}".length());
    assertThat(args.getBytes(UTF_8)).hasSize(Config.DEFAULT_MAX_ARGS_BYTES);

    long ascii = client.enqueue(new RawArgs("raw", atLimit)).id();
    long raw = client.enqueue(new RawArgs("raw", args)).id();
    long record = client.enqueue(new Big(blob)).id();

    assertThat(store.jobGet(ascii).orElseThrow().argsJson()).isEqualTo(atLimit);
    assertThat(store.jobGet(raw).orElseThrow().argsJson()).isEqualTo(args);
    assertThat(store.jobGet(record).orElseThrow().argsJson())
        .isEqualTo("{\"blob\":\"" + blob + "\"}")
        .satisfies(json -> assertThat(json.getBytes(UTF_8)).hasSize(Config.DEFAULT_MAX_ARGS_BYTES));
    assertThatThrownBy(
            () ->
                client.enqueue(
                    new RawArgs("raw", argsOfBytes(Config.DEFAULT_MAX_ARGS_BYTES + 1, ""))))
        .isInstanceOf(JobArgsException.class)
        .hasMessageContaining(
            "are "
                + (Config.DEFAULT_MAX_ARGS_BYTES + 1)
                + " bytes of JSON, more than maxArgsBytes");
  }

  @Test
  void aKindThatDisagreesWithItsRegistrationIsRejected() {
    Errand node =
        Errand.create(
            Config.builder(store).worker("liar", Liar.class, j -> Outcome.complete()).build());

    assertThatThrownBy(() -> node.enqueue(new Liar(1)))
        .isInstanceOf(JobArgsException.class)
        .hasMessageContaining("says its kind is 'not-the-registered-kind'")
        .hasMessageContaining("registered for kind 'liar'");
  }

  @Test
  void badOptionsAreRejectedWithTheirLimits() {
    assertThatThrownBy(() -> EnqueueOptions.defaults().priority(10))
        .hasMessage("priority must be between 0 and 9, was 10");
    assertThatThrownBy(() -> EnqueueOptions.defaults().maxAttempts(0))
        .hasMessage("maxAttempts must be between 1 and 1000, was 0");
    assertThatThrownBy(() -> EnqueueOptions.defaults().runIn(Duration.ofSeconds(-1)))
        .hasMessage("runIn must not be negative, was PT-1S");
    assertThatThrownBy(() -> EnqueueOptions.defaults().queue(""))
        .hasMessageContaining("queue name must be 1 to 128 characters");
  }

  @Test
  void bulkEnqueueIsAllOrNothing() {
    List<JobArgs> batch = List.of(new Noop(1), new Unwritable(new Object()), new Noop(2));

    assertThatThrownBy(() -> client.enqueueAll(batch)).isInstanceOf(JobArgsException.class);
    assertThat(store.queueList()).isEmpty();

    List<Enqueued> ok = client.enqueueAll(List.of(new Noop(1), new Noop(2)));
    assertThat(ok).extracting(Enqueued::state).containsOnly(JobState.AVAILABLE);
    assertThat(ok.get(1).id()).isGreaterThan(ok.get(0).id());
  }

  @Test
  void listingPagesThroughJobs() {
    for (int i = 0; i < 5; i++) {
      client.enqueue(new Noop(i));
    }
    JobPage first = client.jobs().list(JobQuery.all().withLimit(3));
    assertThat(first.jobs()).hasSize(3);
    assertThat(first.hasNext()).isTrue();
    JobPage second =
        client.jobs().list(JobQuery.all().withLimit(3).withAfterId(first.nextAfterId()));
    assertThat(second.jobs()).hasSize(2);
    assertThat(second.hasNext()).isFalse();
  }

  @Test
  void theDefaultBackoffGrowsExponentiallyAndIsCapped() {
    for (int attempt = 1; attempt <= 30; attempt++) {
      long nominal = Math.min(1000L << Math.min(attempt - 1, 40), Duration.ofHours(24).toMillis());
      assertThat(Backoff.DEFAULT.delay(attempt).toMillis())
          .isBetween(Math.round(nominal * 0.8), Math.round(nominal * 1.2));
    }
  }

  /** {@code {"s":"aa…a<last>"}}: exactly {@code bytes} bytes in UTF-8. */
  static String argsOfBytes(int bytes, String last) {
    int fill = bytes - "{\"s\":\"\"}".length() - last.getBytes(UTF_8).length;
    return "{\"s\":\"" + "a".repeat(fill) + last + "\"}";
  }

  /**
   * Text of exactly {@code bytes} bytes in UTF-8, of characters one to four bytes wide in turn (a,
   * e acute, the euro sign, an emoji), padded with a's; none needs an escape in JSON.
   */
  static String mixedText(int bytes) {
    String round = "a\u00e9\u20ac\ud83d\ude00"; // 1 + 2 + 3 + 4 bytes
    String text = round.repeat(bytes / 10);
    return text + "a".repeat(bytes - text.getBytes(UTF_8).length);
  }
}
