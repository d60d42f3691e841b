package dev.sluice.bus;

/** Signalled by a publish or subscribe after {@link EventBus#close} began: the bus accepts nothing new. */
public final class BusClosedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** Create the exception naming the bus instance. */
    public BusClosedException(String instance) {
        super("event bus '" + instance + "' is closed");
    }
}
