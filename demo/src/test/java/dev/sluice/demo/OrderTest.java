package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OrderTest {

    @Test
    void aCompleteOrderIsValid() {
        assertThat(Order.violation(new Order("o1", "a@example.com", "SKU-1", 2)))
                .isNull();
    }

    @Test
    void violationsNameTheField() {
        assertThat(Order.violation(new Order(null, "a@example.com", "SKU-1", 2)))
                .contains("orderId");
        assertThat(Order.violation(new Order("o1", "nope", "SKU-1", 2))).contains("customerEmail");
        assertThat(Order.violation(new Order("o1", "a@example.com", " ", 2))).contains("sku");
        assertThat(Order.violation(new Order("o1", "a@example.com", "SKU-1", 0)))
                .contains("quantity");
    }

    @Test
    void scenarioOrdersAreValidAndSomeGoToTheHopelessMailbox() {
        assertThat(Order.violation(Scenario.order(7))).isNull();
        assertThat(Scenario.order(7).customerEmail()).endsWith(Downstream.HOPELESS_DOMAIN);
        assertThat(Scenario.order(8).customerEmail()).endsWith("@example.com");
    }
}
