package dev.sluice.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import dev.sluice.testsupport.fixture.Exposing;
import dev.sluice.testsupport.fixture.clean.NotExposing;
import dev.sluice.testsupport.fixture.internal.Hidden;
import dev.sluice.testsupport.fixture.internal.HiddenException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ArchitectureRulesTest {

    static Stream<Arguments> exposures() {
        return Stream.of(
                Arguments.of(Exposing.ByParameter.class, "parameter 0", Hidden.class),
                Arguments.of(Exposing.ByReturnType.class, "its return type", Hidden.class),
                Arguments.of(Exposing.ByNestedTypeArgument.class, "its return type", Hidden.class),
                Arguments.of(Exposing.ByArrayElement.class, "its return type", Hidden.class),
                Arguments.of(Exposing.ByThrowsClause.class, "its throws clause", HiddenException.class),
                Arguments.of(Exposing.ByTypeParameterBound.class, "its type parameter T", Hidden.class),
                Arguments.of(Exposing.ByConstructor.class, "parameter 0", Hidden.class),
                Arguments.of(Exposing.ByPublicField.class, "its type", Hidden.class),
                Arguments.of(Exposing.ByProtectedMethod.class, "its return type", Hidden.class),
                Arguments.of(Exposing.BySuperclass.class, "its superclass", Hidden.class),
                Arguments.of(Exposing.BySupertypeArgument.class, "its interface", Hidden.class));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("exposures")
    void flagsAnInternalTypeReachableFromTheApi(Class<?> fixture, String where, Class<?> internal) {
        JavaClasses classes = new ClassFileImporter().importClasses(fixture, Hidden.class, HiddenException.class);

        EvaluationResult result = ArchitectureRules.noInternalTypeInApi().evaluate(classes);

        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().getDetails()).anySatisfy(detail -> assertThat(detail)
                .contains(fixture.getSimpleName())
                .contains("exposes internal [" + internal.getName() + "] in " + where));
    }

    @Test
    void passesInternalTypesUsedOnlyWhereUsersCannotReachThem() {
        JavaClasses classes = new ClassFileImporter().importPackagesOf(NotExposing.class, Hidden.class);

        EvaluationResult result = ArchitectureRules.noInternalTypeInApi().evaluate(classes);

        assertThat(result.getFailureReport().getDetails()).isEmpty();
    }

    @Test
    void flagsADependencyOnAForbiddenPackage() {
        JavaClasses classes = new ClassFileImporter().importClasses(NotExposing.class);

        EvaluationResult result =
                ArchitectureRules.noClassDependsOn("..fixture.internal..").evaluate(classes);

        assertThat(result.hasViolation()).isTrue();
    }

    @Test
    void passesAClassWithoutTheForbiddenDependency() {
        JavaClasses classes = new ClassFileImporter().importClasses(Hidden.class);

        EvaluationResult result =
                ArchitectureRules.noClassDependsOnApplications().evaluate(classes);

        assertThat(result.hasViolation()).isFalse();
    }
}
