package dev.sluice.bus;

import reactor.core.scheduler.Schedulers;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The bus the timing tests use: timers on virtual time, handlers on the calling thread, so every step is determined. */
final class VirtualTimeBus {

    private VirtualTimeBus() {}

    static EventBus create(VirtualTimeScheduler vts, DeadLetterStore store) {
        return EventBus.builder()
                .deadLetterStore(store)
                .scheduler(vts)
                .deliveryScheduler(Schedulers.immediate())
                .build();
    }
}
