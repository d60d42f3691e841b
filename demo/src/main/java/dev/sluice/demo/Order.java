package dev.sluice.demo;

import dev.sluice.bus.EventType;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The demo's one business event: a customer placed an order for {@code quantity} of {@code sku}. Read from JSON as
 * posted to {@code POST /events/order.placed}; Jackson may leave a missing field null, which {@link #violation} then
 * reports.
 *
 * @param orderId the order's id, also the event key (events of one order are handled in order)
 * @param customerEmail where the confirmation goes; mail to {@code @bounce.example} never arrives
 * @param sku the stock-keeping unit, e.g. {@code SKU-7}
 * @param quantity how many, 1 to 1000
 */
public record Order(@Nullable String orderId, @Nullable String customerEmail, @Nullable String sku, int quantity) {

    /** The event type: keyed by order id, validated by {@link #violation}. */
    public static final EventType<Order> PLACED =
            EventType.of("order.placed", Order.class).withKey(Order::orderId).withValidator(Order::violation);

    /**
     * The same type kept in Redis Streams (16 partitions, schema 1; docs/durable-events.md): what the demo publishes
     * unless {@code --in-process}. Equal to {@link #PLACED} by name; a bus holds one of the two.
     */
    public static final EventType<Order> PLACED_DURABLE = PLACED.durable();

    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final int MAX_FIELD = 200;

    /** Return what is wrong with {@code order}, or null if it is valid. */
    static @Nullable String violation(Order order) {
        String orderId = order.orderId;
        String sku = order.sku;
        String customerEmail = order.customerEmail;
        if (orderId == null || orderId.isBlank()) {
            return "orderId is required";
        }
        if (sku == null || sku.isBlank()) {
            return "sku is required";
        }
        if (customerEmail == null || !EMAIL.matcher(customerEmail).matches()) {
            return "customerEmail must be an e-mail address, but was " + quoted(customerEmail);
        }
        if (orderId.length() > MAX_FIELD || sku.length() > MAX_FIELD || customerEmail.length() > MAX_FIELD) {
            return "orderId, sku and customerEmail must be at most " + MAX_FIELD + " characters";
        }
        if (order.quantity < 1 || order.quantity > 1000) {
            return "quantity must be in 1..1000, but was " + order.quantity;
        }
        return null;
    }

    private static String quoted(@Nullable String value) {
        return value == null ? "null" : "'" + value + "'";
    }
}
