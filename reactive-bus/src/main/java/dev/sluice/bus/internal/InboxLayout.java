package dev.sluice.bus.internal;

import org.jspecify.annotations.Nullable;

/**
 * Where an {@link Inbox} keeps its hot fields: what publishers write for every event, and what the reader writes for
 * every event, each on cache lines of its own. On a shared line the publishing thread and the reading thread would
 * pass the line back and forth for every event (false sharing), which cost more than everything else the inbox does.
 * Padded by inheritance, as JCTools does: the JVM lays out a superclass's fields before its subclass's, but may
 * reorder the fields of one class.
 */
final class InboxLayout {

    private InboxLayout() {}

    /** Keeps the publishers' fields clear of the object header and of whatever lies before the inbox in memory. */
    abstract static class PadBeforeProducer {
        long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    /** Written by publishers for every event. */
    abstract static class Producer extends PadBeforeProducer {
        /** Slots claimed by publishers so far (one per accepted event). */
        volatile long producerIndex;
        /** {@code consumerIndex + capacity} as last read: publishers read the reader's line only when they reach it. */
        volatile long producerLimit;
        /** Drain requests (queue-drain pattern): every offer adds one. */
        volatile int wip;
    }

    abstract static class PadBeforeConsumer extends Producer {
        long p10, p11, p12, p13, p14, p15, p16, p17;
    }

    /** Written by the reader (the drain loop) for every event. */
    abstract static class Consumer extends PadBeforeConsumer {
        /** Events taken out so far; {@code producerIndex - consumerIndex} is the size. */
        volatile long consumerIndex;
        /** Demand not yet served. */
        volatile long requested;
        /** The thread running the drain loop now, if any. */
        volatile @Nullable Thread draining;
        /** Demand added from {@code onNext} on the draining thread; only that thread touches it. */
        long credit;
    }

    /** Keeps the reader's fields clear of the inbox's own, read by everyone. */
    abstract static class PadAfterConsumer extends Consumer {
        long p20, p21, p22, p23, p24, p25, p26, p27;
    }
}
