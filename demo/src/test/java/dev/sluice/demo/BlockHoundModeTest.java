package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * {@code --blockhound} checks the demo with the allowances of every Sluice module (DESIGN.md promise 5). Regression:
 * {@code BlockHound.builder()} alone loads no integration, so the demo once ran without Sluice's allowances.
 */
class BlockHoundModeTest {

    private static final String POLICIES = "dev.sluice.policy.internal.SluiceBlockHoundIntegration";
    private static final String REDIS = "dev.sluice.bus.redis.internal.RedisBlockHoundIntegration";

    @Test
    void serviceLoaderFindsTheIntegrationOfEverySluiceModule() {
        List<String> found = ServiceLoader.load(BlockHoundIntegration.class).stream()
                .map(provider -> provider.type().getName())
                .toList();

        assertThat(found).contains(POLICIES, REDIS);
    }

    @Test
    void blockHoundModeAppliesEveryIntegrationOnTheClassPath() {
        List<BlockHoundIntegration> applied = BlockHoundMode.configure(BlockHound.builder());

        assertThat(applied)
                .extracting(integration -> integration.getClass().getName())
                .contains(POLICIES, REDIS)
                .doesNotHaveDuplicates();
    }
}
