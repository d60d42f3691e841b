package dev.sluice.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.sluice.bus.DeadLetterStore;
import dev.sluice.bus.redis.RedisDeadLetterStore;
import dev.sluice.spring.internal.InstanceId;
import dev.sluice.spring.internal.LettuceVersionCheck;
import dev.sluice.spring.internal.RedisUris;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import java.nio.file.Path;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * The Redis dead-letter store (the default, {@code sluice.dead-letters.store=redis}), on Boot's {@code
 * spring.data.redis.*} connection details (standalone, Sentinel or Cluster) and Boot's Lettuce {@code ClientResources}
 * bean when there is one. The store opens its own client with the options it requires (commands rejected while
 * disconnected, a bounded request queue, command and connect timeouts: docs/DESIGN.md promise 9), so Boot's
 * connection factory keeps its own settings; and it connects in the background, so the application starts while
 * Redis is down (letters go to the journal until it is back).
 *
 * <p><b>Jackson.</b> Payloads and headers of letters are written with Jackson 2 ({@code com.fasterxml.jackson}, the
 * store's codec), not with Boot 4's default Jackson 3 {@code JsonMapper}: the bean {@value #MAPPER_BEAN} (a plain
 * {@code JsonMapper} with {@code java.time} support, ISO-8601 instants, no default typing) unless the application
 * defines a Jackson 2 {@code ObjectMapper} under that name.
 */
@AutoConfiguration(after = DataRedisAutoConfiguration.class)
@ConditionalOnClass({RedisDeadLetterStore.class, RedisClient.class, DataRedisConnectionDetails.class})
@ConditionalOnProperty(name = "sluice.dead-letters.store", havingValue = "redis", matchIfMissing = true)
@EnableConfigurationProperties(SluiceProperties.class)
public final class SluiceRedisAutoConfiguration {

    /** The name of the Jackson 2 mapper bean for payloads and headers of letters. */
    public static final String MAPPER_BEAN = "sluicePayloadObjectMapper";

    /** Create the configuration; Spring does this. */
    public SluiceRedisAutoConfiguration() {}

    /** Return the Jackson 2 mapper for letters: {@code java.time} as ISO-8601 text, no polymorphic default typing. */
    @Bean(MAPPER_BEAN)
    @ConditionalOnMissingBean(name = MAPPER_BEAN)
    public ObjectMapper sluicePayloadObjectMapper() {
        return JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
    }

    /**
     * Return the Redis store; it journals to {@code <sluice.dead-letters.journal-directory>/<instance-id>/}.
     *
     * @throws SluiceConfigurationException naming {@code lettuce.version} if the application's Lettuce is older
     *     than the store needs
     */
    @Bean
    @ConditionalOnMissingBean(DeadLetterStore.class)
    public RedisDeadLetterStore sluiceDeadLetterStore(
            SluiceProperties properties,
            Environment environment,
            ObjectProvider<DataRedisConnectionDetails> details,
            ObjectProvider<ClientResources> resources,
            @Qualifier(MAPPER_BEAN) ObjectMapper mapper) {
        LettuceVersionCheck.require();
        SluiceProperties.DeadLetters settings = properties.deadLetters();
        String instance = InstanceId.of(properties, environment);
        Path journal = settings.journalDirectory().resolve(instance).resolve("dead-letters.journal");
        RedisUris uris = RedisUris.of(details.getIfAvailable());
        ClientResources shared = resources.getIfUnique();
        RedisDeadLetterStore.Builder builder;
        if (uris.cluster()) {
            List<RedisURI> seeds = uris.uris();
            builder = shared == null
                    ? RedisDeadLetterStore.clusterBuilder(seeds)
                    : RedisDeadLetterStore.clusterBuilder(shared, seeds);
        } else {
            RedisURI uri = uris.uris().get(0);
            builder = shared == null ? RedisDeadLetterStore.builder(uri) : RedisDeadLetterStore.builder(shared, uri);
        }
        return builder.keyPrefix(settings.keyPrefix())
                .journalPath(journal)
                .commandTimeout(settings.commandTimeout())
                .replayInterval(settings.replayInterval())
                .maxPayloadBytes(settings.maxPayloadBytes())
                .maxLength(settings.maxLength())
                .objectMapper(mapper)
                .build();
    }
}
