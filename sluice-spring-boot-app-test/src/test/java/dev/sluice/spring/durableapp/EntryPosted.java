package dev.sluice.spring.durableapp;

import java.time.Instant;

/** A ledger entry, the payload of the durable {@code entry.posted}. */
public record EntryPosted(String account, long cents, Instant at) {}
