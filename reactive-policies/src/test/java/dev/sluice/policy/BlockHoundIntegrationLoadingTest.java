package dev.sluice.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.policy.internal.SluiceBlockHoundIntegration;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import reactor.blockhound.integration.BlockHoundIntegration;

class BlockHoundIntegrationLoadingTest {

    @Test
    void isFoundThroughServiceLoader() {
        ServiceLoader<BlockHoundIntegration> integrations = ServiceLoader.load(BlockHoundIntegration.class);

        assertThat(integrations.stream().map(ServiceLoader.Provider::type)).contains(SluiceBlockHoundIntegration.class);
    }
}
