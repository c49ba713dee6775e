package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.errand.spi.JobInsertManyParams;
import dev.errand.spi.NewJob;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Args stored as a JSON array, as Sidekiq writes them, fill a record's components in order; an
 * object is read as before.
 */
class PositionalArgsTest extends EngineHarness {

  private final JsonCodec codec = JsonCodec.jackson();

  record SignInEmail(long account, String email) implements JobArgs {
    @Override
    public String kind() {
      return "sign_in_email";
    }
  }

  enum Plan {
    FREE,
    TEAM
  }

  record Address(String city, String country) {}

  record Signup(long account, Address address, Instant signedUpAt, LocalDate trialEnds, Plan plan)
      implements JobArgs {
    @Override
    public String kind() {
      return "signup";
    }
  }

  @Test
  void anArrayFillsTheRecordsComponentsInOrderEachReadAsItsFieldWouldBe() {
    Signup signup =
        codec.decode(
            "[42, {\"city\":\"Lyon\",\"country\":\"FR\"}, \"2025-03-01T09:30:00.123456Z\","
                + " \"2025-03-31\", \"TEAM\"]",
            Signup.class);

    assertThat(signup)
        .isEqualTo(
            new Signup(
                42,
                new Address("Lyon", "FR"),
                Instant.parse("2025-03-01T09:30:00.123456Z"),
                LocalDate.of(2025, 3, 31),
                Plan.TEAM));
  }

  @Test
  void theSameRecordIsStillReadFromTheObjectItIsWrittenAs() {
    Signup signup =
        new Signup(
            7,
            new Address("Oslo", "NO"),
            Instant.parse("2025-01-02T03:04:05Z"),
            LocalDate.of(2025, 2, 1),
            Plan.FREE);

    String json = codec.encode(signup);

    assertThat(json).startsWith("{\"account\":7,");
    assertThat(codec.decode(json, Signup.class)).isEqualTo(signup);
  }

  record Price(BigDecimal amount, double rate) implements JobArgs {
    @Override
    public String kind() {
      return "price";
    }
  }

  @Test
  void aNumberInTheArrayKeepsTheDigitsItWouldKeepInAnObject() {
    // The elements are handed on as tokens, not re-parsed into doubles: 1.50 keeps its scale, and
    // a long decimal is not rounded on the way.
    String digits = "12345678901234567890.123456789";

    Price fromArray = codec.decode("[1.50, " + digits + "]", Price.class);
    Price fromObject = codec.decode("{\"amount\":1.50,\"rate\":" + digits + "}", Price.class);

    assertThat(fromArray.amount()).isEqualTo(new BigDecimal("1.50")).hasScaleOf(2);
    assertThat(fromArray).isEqualTo(fromObject);
  }

  @Test
  void anArrayOfTheWrongLengthFailsNamingTheComponentsAndTheLength() {
    assertThatThrownBy(() -> codec.decode("[42]", SignInEmail.class))
        .isInstanceOf(JobArgsException.class)
        .hasMessage(
            "cannot read stored args as "
                + SignInEmail.class.getName()
                + ": a JSON array fills the record's 2 components in order (account, email), but"
                + " it has 1 element");
    assertThatThrownBy(() -> codec.decode("[42, \"a@example.com\", true]", SignInEmail.class))
        .isInstanceOf(JobArgsException.class)
        .hasMessageEndingWith(
            "fills the record's 2 components in order (account, email), but it has 3 elements");
  }

  @Test
  void anElementThatDoesNotFitItsComponentFailsNamingTheComponent() {
    assertThatThrownBy(() -> codec.decode("[\"forty-two\", \"a@example.com\"]", SignInEmail.class))
        .isInstanceOf(JobArgsException.class)
        .hasMessageStartingWith(
            "cannot read stored args as " + SignInEmail.class.getName() + " at field 'account': ");
  }

  static final class PlainArgs implements JobArgs {
    public long account;

    @Override
    public String kind() {
      return "plain";
    }
  }

  @Test
  void anArrayForAClassThatIsNotARecordFailsSayingSo() {
    assertThat(codec.decode("{\"account\":42}", PlainArgs.class).account).isEqualTo(42);

    assertThatThrownBy(() -> codec.decode("[42]", PlainArgs.class))
        .isInstanceOf(JobArgsException.class)
        .hasMessageStartingWith(
            "cannot read stored args as "
                + PlainArgs.class.getName()
                + ": they are a JSON array, which fills only a record's components, in order, and"
                + " PlainArgs is not a record: ");
  }

  record Renamed(@JsonProperty("email_address") String email, long accountId) implements JobArgs {
    @Override
    public String kind() {
      return "renamed";
    }
  }

  @Test
  void elementsFillComponentsWhateverNameTheirFieldsHaveInJson() {
    // Rewriting the array to an object must use the names the mapper reads, not the components'.
    JsonCodec snakeCase =
        JsonCodec.jackson(
            JsonCodec.defaultMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE));

    assertThat(snakeCase.encode(new Renamed("a@example.com", 42)))
        .isEqualTo("{\"email_address\":\"a@example.com\",\"account_id\":42}");
    assertThat(snakeCase.decode("[\"a@example.com\", 42]", Renamed.class))
        .isEqualTo(new Renamed("a@example.com", 42));
  }

  @JsonFormat(shape = JsonFormat.Shape.ARRAY)
  record AlreadyAnArray(long account, String email) implements JobArgs {
    @Override
    public String kind() {
      return "already_an_array";
    }
  }

  @Test
  void aRecordThatJacksonWritesAsAnArrayIsStillReadByJackson() {
    // Jackson reads such a record only from an array: rewritten to an object, it would fail.
    AlreadyAnArray args = new AlreadyAnArray(42, "a@example.com");

    String json = codec.encode(args);

    assertThat(json).isEqualTo("[42,\"a@example.com\"]");
    assertThat(codec.decode(json, AlreadyAnArray.class)).isEqualTo(args);
  }

  @Test
  void aJobPushedWithArrayArgsIsWorkedByAWorkerWhoseArgsAreARecord() throws Exception {
    CompletableFuture<SignInEmail> received = new CompletableFuture<>();
    Errand errand =
        start(
            c ->
                c.queue(Config.DEFAULT_QUEUE, 1)
                    .worker(
                        "sign_in_email",
                        SignInEmail.class,
                        job -> {
                          received.complete(job.args());
                          return Outcome.complete();
                        }));
    // Inserted into the store as Sidekiq's client would push it, not through Errand's enqueue.
    long id =
        store
            .jobInsertMany(
                new JobInsertManyParams(
                    List.of(
                        new NewJob(
                            "sign_in_email",
                            Config.DEFAULT_QUEUE,
                            "[42,\"a@example.com\"]",
                            0,
                            clock.instant(),
                            1,
                            List.of(),
                            Map.of())),
                    clock.instant()))
            .get(0)
            .id();
    errand.queues().resume(Config.DEFAULT_QUEUE); // wakes the producer

    assertThat(received.get(5, TimeUnit.SECONDS)).isEqualTo(new SignInEmail(42, "a@example.com"));
    await().until(() -> state(id) == JobState.COMPLETED);
    assertThat(job(id).argsJson()).isEqualTo("[42,\"a@example.com\"]");
  }
}
