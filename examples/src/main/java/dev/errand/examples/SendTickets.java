package dev.errand.examples;

import dev.errand.DependencyCounts;
import dev.errand.Job;
import dev.errand.JobArgs;
import dev.errand.Outcome;
import dev.errand.Worker;

/**
 * Sends an event's tickets: the callback of the event's batch of {@link GenerateTicket} jobs, run
 * once, after the last of them ended.
 *
 * @param eventId the event
 */
public record SendTickets(String eventId) implements JobArgs {

  /** The stored kind. */
  public static final String KIND = "send_tickets";

  @Override
  public String kind() {
    return KIND;
  }

  /** Sends what the {@link TicketOffice} generated, with how the batch's members ended. */
  public static final class Sender implements Worker<SendTickets> {
    private final TicketOffice office;

    Sender(TicketOffice office) {
      this.office = office;
    }

    @Override
    public Outcome work(Job<SendTickets> job) {
      // The counts come from the store: how many of the batch's jobs completed, were discarded or
      // were cancelled. A real application would send the completed ones and report the rest.
      DependencyCounts members = job.dependencies();
      office.send(job.args().eventId(), members);
      return Outcome.complete();
    }
  }
}
