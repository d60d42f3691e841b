package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bus.redis.StreamAudit;
import dev.sluice.testsupport.RedisExtension;
import dev.sluice.testsupport.TestRedis;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The scenario across processes, small: two demo instances as child JVMs on one real Redis and one recording
 * downstream, 600 orders at 100/s through them over HTTP, instance {@code i1} killed with {@code kill -9} 2 s in. The
 * survivor takes its partitions: nothing is lost, no key goes out of order, the audit balances, and the dead letters
 * are plain Redis stream entries.
 */
@Tag("integration")
@ExtendWith(RedisExtension.class)
class MultiInstanceScenarioIntegrationTest {

    private static final int EVENTS = 600;
    /** Orders {@code i} with {@code i mod 100 = 7} go to {@code @bounce.example}: 7, 107, …, 507. */
    private static final int HOPELESS = 6;

    @Test
    void instanceKilledMidRunLosesNothingAndKeepsEveryKeyInOrder(TestRedis redis, @TempDir Path dir) throws Exception {
        String prefix = TestStores.prefix(redis);
        ClusterScenario.Params params = new ClusterScenario.Params(
                EVENTS,
                100,
                2,
                Duration.ofSeconds(2),
                null,
                Duration.ofSeconds(60),
                dir,
                "redis://" + redis.host() + ":" + redis.port(),
                prefix,
                System.getProperty("java.class.path"),
                false);

        ClusterReport report = new ClusterScenario(params).run();
        LoggerFactory.getLogger(MultiInstanceScenarioIntegrationTest.class).info("{}", report.table());

        assertThat(report.passed()).as(report.table()).isTrue();
        assertThat(report.published()).isEqualTo(EVENTS);
        assertThat(report.story()).as(report.table()).anyMatch(line -> line.startsWith("Killed i1 (pid"));
        assertThat(report.lost().values()).allSatisfy(ids -> assertThat(ids).isEmpty());
        assertThat(report.orderViolations()).isEmpty();
        assertThat(report.unknownCalls()).isZero();
        assertThat(report.handledPerInstance().keySet())
                .as(report.table())
                .anyMatch(label -> label.startsWith("i1 "))
                .anyMatch(label -> label.startsWith("i2 "));
        assertThat(report.audit().published()).isGreaterThanOrEqualTo(EVENTS + report.warmUp());
        for (String name : Subscribers.ORDER_SUBSCRIBERS) {
            StreamAudit.Group group =
                    Objects.requireNonNull(report.audit().groups().get(name), name);
            assertThat(ClusterReport.balanced(group)).as(report.table()).isTrue();
            assertThat(group.acked()).as(name).isEqualTo(report.audit().published());
        }
        long emailLetters = report.deadLetteredByReason().getOrDefault(Subscribers.EMAIL, Map.of()).values().stream()
                .mapToLong(Long::longValue)
                .sum();
        assertThat(emailLetters).as(report.table()).isGreaterThanOrEqualTo(HOPELESS);

        List<StreamMessage<String, String>> letters = new ArrayList<>();
        try (StatefulRedisConnection<String, String> connection = redis.client().connect()) {
            String live = prefix + ":dlq:{" + Subscribers.EMAIL + "}";
            letters.addAll(connection.sync().xrange(live, Range.create("-", "+")));
            letters.addAll(connection.sync().xrange(live + ":parked", Range.create("-", "+")));
        }
        List<StreamMessage<String, String>> hopeless = letters.stream()
                .filter(entry -> entry.getBody().getOrDefault("payload", "").contains(Downstream.HOPELESS_DOMAIN))
                .toList();
        assertThat(hopeless).hasSize(HOPELESS);
        assertThat(hopeless.stream()
                        .map(entry -> entry.getBody().get("event_id"))
                        .distinct())
                .hasSize(HOPELESS);
        assertThat(hopeless).allSatisfy(entry -> {
            assertThat(entry.getBody()).containsEntry("event_type", "order.placed");
            assertThat(entry.getBody().get("reason")).isNotBlank();
            assertThat(entry.getBody().get("event_key")).startsWith("o-");
        });
    }
}
