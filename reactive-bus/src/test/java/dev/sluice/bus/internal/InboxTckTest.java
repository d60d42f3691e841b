package dev.sluice.bus.internal;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;

/**
 * Reactive Streams TCK for the hand-written {@link Inbox} publisher (docs/DESIGN.md, "Channel": a hand-written inbox
 * must pass the TCK). Each publisher is an inbox with room for every element and a gate that is always open, offered
 * {@code elements} items and then closed, so it completes once its queue is empty.
 */
public class InboxTckTest extends PublisherVerification<Long> {

    // The largest inbox the TCK asks for; TCK tests that need more elements are skipped, not failed.
    private static final int MAX_ELEMENTS = 4096;

    public InboxTckTest() {
        super(new TestEnvironment(300));
    }

    @Override
    public long maxElementsFromPublisher() {
        return MAX_ELEMENTS;
    }

    @Override
    public Publisher<Long> createPublisher(long elements) {
        Inbox<Long> inbox = new Inbox<>((int) Math.max(1, elements), () -> true);
        for (long i = 0; i < elements; i++) {
            if (inbox.offer(i) != Inbox.ACCEPTED) {
                throw new IllegalStateException("inbox refused element " + i + " of " + elements);
            }
        }
        inbox.close();
        return inbox;
    }

    /** Return null: an inbox never fails on its own (it completes on close, or its subscriber cancels). */
    @Override
    public @Nullable Publisher<Long> createFailedPublisher() {
        return null;
    }
}
