package dev.errand.examples;

import dev.errand.DependencyCounts;

/**
 * One sending of an event's tickets by the {@link SendTickets} callback of the event's batch.
 *
 * @param eventId the event
 * @param members how the batch's {@link GenerateTicket} jobs ended, as the callback read them
 * @param generated how many distinct tickets of the event existed when they were sent
 */
public record TicketsSent(String eventId, DependencyCounts members, int generated) {}
