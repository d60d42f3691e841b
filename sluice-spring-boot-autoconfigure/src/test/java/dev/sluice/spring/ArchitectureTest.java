package dev.sluice.spring;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.sluice.testsupport.ArchitectureRules;

@AnalyzeClasses(packages = "dev.sluice.spring", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    // the starter wires the library through its public API only; the bus's and the store's internals stay theirs
    @ArchTest
    static final ArchRule usesNoLibraryInternals = ArchitectureRules.noClassDependsOn(
            "dev.sluice.bus.internal..", "dev.sluice.policy.internal..", "dev.sluice.bus.redis.internal..");

    @ArchTest
    static final ArchRule usesNoApplication = ArchitectureRules.noClassDependsOnApplications();

    @ArchTest
    static final ArchRule exposesNoInternalType = ArchitectureRules.noInternalTypeInApi();
}
