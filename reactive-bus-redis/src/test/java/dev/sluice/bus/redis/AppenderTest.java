package dev.sluice.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import org.junit.jupiter.api.Test;

/** Which failed appends {@link Appender} retries, and which it counts as possible duplicates. */
class AppenderTest {

    @Test
    void onlyAnAttemptThatMayHaveReachedRedisCountsAsAPossibleDuplicate() {
        assertThat(Appender.maybeLanded(new RedisCommandTimeoutException("Command timed out after 3 second(s)")))
                .isTrue();
        assertThat(Appender.maybeLanded(new RedisConnectionException("Connection closed")))
                .isTrue();

        assertThat(Appender.maybeLanded(new RedisCommandExecutionException("OOM command not allowed")))
                .isFalse();
        assertThat(Appender.maybeLanded(new RedisException("Commands are rejected, the connection is disconnected")))
                .isFalse();
        assertThat(Appender.maybeLanded(new RedisException("Request queue size exceeded: 10000. Commands are not"
                        + " accepted until the queue size drops.")))
                .isFalse();
        // regression: refused before the write when 10,000 commands awaited replies (DurableLatencyHarness), yet
        // counted in sluice.durable.publish.possible.duplicates
        assertThat(Appender.maybeLanded(new RedisException("Internal stack size exceeded: 10000. Commands are not"
                        + " accepted until the stack size drops.")))
                .isFalse();
    }

    @Test
    void errorRepliesThatWillNotChangeAreNotRetried() {
        assertThat(Appender.retryable(new RedisCommandExecutionException("WRONGTYPE Operation against a key")))
                .isFalse();
        assertThat(Appender.retryable(new RedisCommandExecutionException("LOADING Redis is loading")))
                .isTrue();
        assertThat(Appender.retryable(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down")))
                .isTrue();
        assertThat(Appender.retryable(new RedisException("Internal stack size exceeded: 10000.")))
                .isTrue();
    }
}
