package dev.sluice.bus.redis;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.sluice.testsupport.ArchitectureRules;

@AnalyzeClasses(packages = "dev.sluice.bus.redis", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    // the Redis store is a user of the bus's API and SPI like any other, never of its implementation
    @ArchTest
    static final ArchRule usesNoBusInternals = ArchitectureRules.noClassDependsOn("dev.sluice.bus.internal..");

    @ArchTest
    static final ArchRule usesNoApplication = ArchitectureRules.noClassDependsOnApplications();

    @ArchTest
    static final ArchRule exposesNoInternalType = ArchitectureRules.noInternalTypeInApi();
}
