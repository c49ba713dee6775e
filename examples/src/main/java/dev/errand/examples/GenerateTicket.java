package dev.errand.examples;

import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;

/**
 * Generates one ticket of an event: a member of the event's ticket batch, whose callback {@link
 * SendTickets} runs once every ticket has been generated.
 *
 * @param eventId the event
 * @param seat the seat, from 1
 */
public record GenerateTicket(String eventId, int seat) implements JobArgs {

  /** The stored kind. */
  public static final String KIND = "generate_ticket";

  @Override
  public String kind() {
    return KIND;
  }

  /** Renders the ticket into the {@link TicketOffice}. Thread-safe. */
  public static final class Generator implements Worker<GenerateTicket> {
    private final TicketOffice office;

    Generator(TicketOffice office) {
      this.office = office;
    }

    @Override
    public Outcome work(Job<GenerateTicket> job) throws InterruptedException {
      office.generate(job.args().eventId(), job.args().seat());
      return Outcome.complete();
    }
  }
}
