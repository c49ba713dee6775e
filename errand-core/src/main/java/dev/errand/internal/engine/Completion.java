package dev.errand.internal.engine;

import dev.errand.AttemptError;
import dev.errand.JobEvent;
import dev.errand.spi.JobFinish;
import java.time.Duration;

/** A finished attempt on its way to the store, and what to tell listeners once it is written. */
record Completion(
    HeldAttempt job,
    JobFinish finish,
    JobEvent.Result result,
    AttemptError error,
    Duration duration) {}
