package dev.errand;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Registering a worker once: the args type from its class, the kind from {@link JobKind}. */
class WorkerRegistrationTest extends EngineHarness {

  @JobKind("welcome_email")
  record WelcomeEmail(String address) implements JobArgs {}

  record Unannotated(String address) implements JobArgs {
    @Override
    public String kind() {
      return "unannotated";
    }
  }

  record NoKindAtAll(String address) implements JobArgs {}

  @JobKind("bad kind!")
  record BadKind() implements JobArgs {}

  static final class WelcomeEmailWorker implements Worker<WelcomeEmail> {
    final CompletableFuture<String> sentTo = new CompletableFuture<>();

    @Override
    public Outcome work(Job<WelcomeEmail> job) {
      sentTo.complete(job.args().address());
      return Outcome.complete();
    }
  }

  /** The args type bound two generic levels above the class registered. */
  abstract static class MailWorker<A extends JobArgs> implements Worker<A> {
    @Override
    public Outcome work(Job<A> job) {
      return Outcome.complete();
    }
  }

  static final class WelcomeMailWorker extends MailWorker<WelcomeEmail> {}

  static final class AnyArgsWorker<A extends JobArgs> implements Worker<A> {
    @Override
    public Outcome work(Job<A> job) {
      return Outcome.complete();
    }
  }

  @Test
  void aWorkerClassIsRegisteredOnceWithTheKindOfItsArgs() throws Exception {
    WelcomeEmailWorker worker = new WelcomeEmailWorker();
    Errand errand = start(c -> c.queue(Config.DEFAULT_QUEUE, 1).worker(worker));

    Enqueued e = errand.enqueue(new WelcomeEmail("ada@example.com"));

    assertThat(errand.config().workers().get("welcome_email").argsType())
        .isEqualTo(WelcomeEmail.class);
    assertThat(job(e.id()).kind()).isEqualTo("welcome_email");
    assertThat(worker.sentTo.get(5, TimeUnit.SECONDS)).isEqualTo("ada@example.com");
    await().until(() -> state(e.id()) == JobState.COMPLETED);
  }

  @Test
  void theArgsTypeIsFoundThroughGenericSuperclassesAndInAnonymousClasses() {
    assertThat(config().worker(new WelcomeMailWorker()).build().workers().get("welcome_email"))
        .extracting(Config.WorkerRegistration::argsType)
        .isEqualTo(WelcomeEmail.class);
    Worker<WelcomeEmail> anonymous =
        new Worker<>() {
          @Override
          public Outcome work(Job<WelcomeEmail> job) {
            return Outcome.complete();
          }
        };
    assertThat(config().worker(anonymous).build().workers()).containsOnlyKeys("welcome_email");
  }

  @Test
  void aLambdaIsRegisteredWithItsArgsType() {
    Config config = config().worker(WelcomeEmail.class, job -> Outcome.complete()).build();
    assertThat(config.workers().get("welcome_email").argsType()).isEqualTo(WelcomeEmail.class);
  }

  @Test
  void whatCannotBeToldIsRefusedWithTheWayToSayIt() {
    assertThatThrownBy(() -> config().worker((Worker<WelcomeEmail>) job -> Outcome.complete()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage(
            "workers: cannot tell which args a lambda worker works: it is a lambda, or its class"
                + " does not name the args type in implements Worker<...>; register it with"
                + " worker(YourArgs.class, worker)");
    assertThatThrownBy(() -> config().worker(new AnyArgsWorker<WelcomeEmail>()))
        .hasMessageStartingWith(
            "workers: cannot tell which args " + AnyArgsWorker.class.getName() + " works");
    assertThatThrownBy(() -> config().worker(Unannotated.class, job -> Outcome.complete()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage(
            "workers: "
                + Unannotated.class.getName()
                + " has no @JobKind, so its kind is not known before a job is enqueued; annotate"
                + " it with @JobKind(\"...\"), or register it with worker(kind,"
                + " Unannotated.class, worker)");
    assertThatThrownBy(() -> config().worker(BadKind.class, job -> Outcome.complete()))
        .hasMessageStartingWith(
            "workers: @JobKind of "
                + BadKind.class.getName()
                + ": job kind must be 1 to 128 characters");
  }

  @Test
  void aKindThatDisagreesWithTheArgsJobKindIsRefusedAtBuildNamingBoth() {
    assertThatThrownBy(
            () -> config().worker("welcome", WelcomeEmail.class, new WelcomeEmailWorker()).build())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage(
            "workers: kind 'welcome' is registered for "
                + WelcomeEmail.class.getName()
                + ", whose @JobKind is 'welcome_email'; register it as 'welcome_email'"
                + " (worker(worker) reads it), or change the @JobKind if no job of kind"
                + " 'welcome_email' is queued");
  }

  @Test
  void theThreeArgumentFormStillRegistersAnyArgs() {
    Config config =
        config()
            .worker("unannotated", Unannotated.class, job -> Outcome.complete())
            .worker("welcome_email", WelcomeEmail.class, new WelcomeEmailWorker())
            .build();
    assertThat(config.workers()).containsOnlyKeys("unannotated", "welcome_email");
  }

  @Test
  void argsWithoutAnyKindAreRefusedAtEnqueueWithTheRemedy() {
    Errand client = start(c -> {});
    assertThatThrownBy(() -> client.enqueue(new NoKindAtAll("ada@example.com")))
        .isInstanceOf(JobArgsException.class)
        .hasMessage(
            NoKindAtAll.class.getName()
                + " has no kind: annotate it with @JobKind(\"...\") or override kind()");
    assertThat(client.enqueue(new WelcomeEmail("ada@example.com")).state())
        .isEqualTo(JobState.AVAILABLE);
  }
}
