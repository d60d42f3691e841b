package dev.sluice.bus;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.sluice.testsupport.ArchitectureRules;

@AnalyzeClasses(packages = "dev.sluice.bus", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    // the core bus depends on its SPIs, never on the Redis store, its client or its JSON codec (docs/DESIGN.md)
    @ArchTest
    static final ArchRule knowsNothingOfRedis =
            ArchitectureRules.noClassDependsOn("dev.sluice.bus.redis..", "io.lettuce..", "com.fasterxml.jackson..");

    @ArchTest
    static final ArchRule usesNoApplication = ArchitectureRules.noClassDependsOnApplications();

    @ArchTest
    static final ArchRule exposesNoInternalType = ArchitectureRules.noInternalTypeInApi();
}
