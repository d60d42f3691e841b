package dev.sluice.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link SluiceConfigurationException} into Boot's startup failure report: the description names the key (or
 * listener method) and its value, the action says what to change. Registered in {@code META-INF/spring.factories}.
 */
public final class SluiceFailureAnalyzer extends AbstractFailureAnalyzer<SluiceConfigurationException> {

    /** Create the analyzer; Boot does this. */
    public SluiceFailureAnalyzer() {}

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SluiceConfigurationException cause) {
        return new FailureAnalysis(
                "Sluice cannot start: " + cause.getMessage() + System.lineSeparator() + System.lineSeparator()
                        + "    Property (or listener): " + cause.key() + System.lineSeparator()
                        + "    Value: " + cause.value(),
                cause.action(),
                cause);
    }
}
