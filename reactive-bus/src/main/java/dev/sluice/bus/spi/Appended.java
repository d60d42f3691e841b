package dev.sluice.bus.spi;

/**
 * Where the transport appended one event: its partition and the entry id the partition stream gave it.
 *
 * @param eventId the event's id
 * @param partition the partition, {@code 0 <= partition < Durability.partitions()}
 * @param entryId the entry's id in the partition stream (a Redis stream id such as {@code 1700000000000-0})
 */
public record Appended(String eventId, int partition, String entryId) {}
