package dev.sluice.bus.internal;

import org.reactivestreams.Publisher;

/**
 * {@link InboxTckTest} for inboxes too large for a ring, which keep their events in a linked queue instead: the same
 * elements in an inbox of {@link Inbox#MAX_RING} + 1 events.
 */
public class LinkedInboxTckTest extends InboxTckTest {

    @Override
    public Publisher<Long> createPublisher(long elements) {
        Inbox<Long> inbox = new Inbox<>(Inbox.MAX_RING + 1, () -> true);
        for (long i = 0; i < elements; i++) {
            if (inbox.offer(i) != Inbox.ACCEPTED) {
                throw new IllegalStateException("inbox refused element " + i + " of " + elements);
            }
        }
        inbox.close();
        return inbox;
    }
}
