package dev.sluice.spring;

import dev.sluice.bus.redis.RedisStreamTransport;
import dev.sluice.bus.spi.EventTransport;
import dev.sluice.spring.internal.DurableTransport;
import dev.sluice.spring.internal.LettuceVersionCheck;
import dev.sluice.spring.internal.RedisUris;
import io.lettuce.core.RedisClient;
import io.lettuce.core.resource.ClientResources;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;

/**
 * The transport of durable event types (docs/durable-events.md): a {@link RedisStreamTransport} from {@code
 * sluice.durable.*} when {@code sluice.durable.enabled=true}, on Boot's {@code spring.data.redis.*} connection details
 * and {@code ClientResources} bean, as the Redis dead-letter store is (its own client, commands rejected while
 * disconnected, bounded queue and timeouts). The bus of {@link SluiceAutoConfiguration} uses it, or any other {@link
 * EventTransport} bean the application defines instead.
 *
 * <p><b>Why a property, not the presence of a durable type.</b> Conditions are decided on bean definitions, before any
 * {@code EventType} bean exists, so whether one is durable is not known then; and a transport takes an instance lease
 * and partition leases in Redis, which an application should ask for in its configuration rather than get from a
 * bean's shape. A durable type without a transport fails startup naming {@code sluice.durable.enabled}.
 *
 * <p>Nothing connects at startup: the transport connects when the first durable type is declared (the lifecycle
 * registers the types when the context starts), and the lifecycle closes it after the bus. It is a {@code
 * MeterBinder} bean, so Boot binds its meters ({@code RedisTransportMeters}) to the application's registry.
 */
@AutoConfiguration(after = DataRedisAutoConfiguration.class)
@ConditionalOnClass({RedisStreamTransport.class, RedisClient.class, DataRedisConnectionDetails.class})
@ConditionalOnProperty(name = "sluice.durable.enabled", havingValue = "true")
@EnableConfigurationProperties(SluiceProperties.class)
public final class SluiceDurableAutoConfiguration {

    /** Create the configuration; Spring does this. */
    public SluiceDurableAutoConfiguration() {}

    /**
     * Return the transport; it connects at the first declaration of a durable type.
     *
     * @throws SluiceConfigurationException naming the {@code sluice.durable.*} key and value the transport refused,
     *     or {@code lettuce.version} if the application's Lettuce is too old
     */
    @Bean
    @ConditionalOnMissingBean(EventTransport.class)
    public RedisStreamTransport sluiceEventTransport(
            SluiceProperties properties,
            ObjectProvider<DataRedisConnectionDetails> details,
            ObjectProvider<ClientResources> resources) {
        LettuceVersionCheck.require();
        return DurableTransport.create(properties, RedisUris.of(details.getIfAvailable()), resources.getIfUnique());
    }
}
