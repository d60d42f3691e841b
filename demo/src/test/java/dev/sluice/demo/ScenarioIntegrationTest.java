package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small scenario (2,000 orders at 500/s, so about 4 s of traffic; redrive after 200 ms, 400 ms, 1 s) end to end,
 * BlockHound on as in every test.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class ScenarioIntegrationTest {

    @Test
    void accountingHoldsThroughOutageAndRecoveryAndHopelessMailEndsParked(TestRedis redis, @TempDir Path dir)
            throws Exception {
        String url = "redis://" + redis.host() + ":" + redis.port();
        String prefix = TestStores.prefix(redis);
        DemoSettings settings = DemoSettings.serve("127.0.0.1", 0, url, null, null)
                .mutate()
                .dataDir(dir)
                .storeKeyPrefix(prefix)
                .build();
        Scenario.Params params = new Scenario.Params(
                2000,
                500,
                List.of(Duration.ofMillis(200), Duration.ofMillis(400), Duration.ofSeconds(1)),
                Duration.ofSeconds(60),
                false);

        ScenarioReport report = new Scenario(settings, params).run();
        org.slf4j.LoggerFactory.getLogger(ScenarioIntegrationTest.class).info("{}", report.table());

        assertThat(report.passed()).as(report.table()).isTrue();
        assertThat(report.published()).isEqualTo(2000);
        assertThat(report.subscribers())
                .allSatisfy(row -> assertThat(row.balanced()).isTrue());
        ScenarioReport.Row email = row(report, Subscribers.EMAIL);
        assertThat(email.lettersParked()).as(report.table()).isGreaterThan(0);
        assertThat(email.redriven()).containsKey("PARKED");
        assertThat(report.settled()).as(report.table()).isTrue();
        for (String name : Subscribers.ORDER_SUBSCRIBERS) {
            assertThat(row(report, name).lettersLive()).as(name).isZero();
        }
        assertThat(report.breakerTransitions()).as(report.table()).contains("CLOSED->OPEN");
        assertThat(report.latency()[3]).isEqualTo(2000L * Subscribers.ORDER_SUBSCRIBERS.size());
        assertThat(report.json().path("passed").asBoolean()).isTrue();
        try (StatefulRedisConnection<String, String> connection = redis.client().connect()) {
            assertThat(connection.sync().xlen(DemoStores.parkedStreamKey(prefix, Subscribers.EMAIL)))
                    .isEqualTo(email.lettersParked());
        }
    }

    private static ScenarioReport.Row row(ScenarioReport report, String name) {
        return report.subscribers().stream()
                .filter(row -> row.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
