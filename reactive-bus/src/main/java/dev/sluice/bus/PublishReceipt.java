package dev.sluice.bus;

/**
 * What a publish did: the event's id, how many subscriber inboxes took it, and how many subscribers had it
 * dead-lettered at once because their inbox overflowed ({@code INBOX_OVERFLOW}).
 *
 * @param eventId the event's id
 * @param delivered inboxes that took the event
 * @param overflowed subscribers for which it became an {@code INBOX_OVERFLOW} dead letter
 */
public record PublishReceipt(String eventId, int delivered, int overflowed) {

    /** Return how many subscribers the event was routed to. */
    public int routed() {
        return delivered + overflowed;
    }
}
