package dev.sluice.bus;

/**
 * Signalled by a publish that was refused before anything was enqueued: unregistered type, payload of the wrong
 * class, or a validator's violation. The message names the type and the field or reason.
 */
public class InvalidEventException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String eventType;

    /** Create the exception for {@code eventType}. */
    public InvalidEventException(String eventType, String message) {
        super("event type '" + eventType + "': " + message);
        this.eventType = eventType;
    }

    /** Return the event type's name. */
    public String eventType() {
        return eventType;
    }
}
