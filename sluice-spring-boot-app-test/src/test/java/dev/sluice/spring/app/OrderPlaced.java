package dev.sluice.spring.app;

import java.time.Instant;

/** The shop's event payload; {@code placedAt} is an {@code Instant}, to prove it survives JSON both ways. */
public record OrderPlaced(String id, String sku, Instant placedAt) {}
