package dev.sluice.spring.internal;

import dev.sluice.spring.SluiceConfigurationException;
import io.lettuce.core.LettuceVersion;
import org.jspecify.annotations.Nullable;

/**
 * Refuses a Lettuce older than the Redis store is built for. In an application Spring Boot's dependency management
 * picks Lettuce's version, and a Boot release may manage an older one than Sluice needs; failing at startup with the
 * property to set beats a {@code NoSuchMethodError} at the first dead letter.
 */
public final class LettuceVersionCheck {

    /** The oldest Lettuce major version the store works with. */
    public static final int MINIMUM_MAJOR = 7;
    /** The version Sluice is built and tested with. */
    public static final String BUILT_WITH = "7.7.0.RELEASE";

    private LettuceVersionCheck() {}

    /**
     * Check the Lettuce on the class path.
     *
     * @throws SluiceConfigurationException naming {@code lettuce.version} if it is older than {@value #MINIMUM_MAJOR}
     */
    public static void require() {
        require(LettuceVersion.getVersion());
    }

    /** Check {@code version} (null: unknown, accepted). */
    static void require(@Nullable String version) {
        if (version == null || version.isBlank()) {
            return;
        }
        int major;
        try {
            major = Integer.parseInt(
                    version.substring(0, version.indexOf('.') > 0 ? version.indexOf('.') : version.length()));
        } catch (NumberFormatException e) {
            return;
        }
        if (major < MINIMUM_MAJOR) {
            throw new SluiceConfigurationException(
                    "lettuce.version",
                    version,
                    "is older than the Sluice Redis store needs (Lettuce " + MINIMUM_MAJOR + ".x; built with "
                            + BUILT_WITH + ")",
                    "Set the Maven property lettuce.version to " + BUILT_WITH + " (or ext['lettuce.version'] in "
                            + "Gradle) to override the version Spring Boot manages.");
        }
    }
}
