package dev.sluice.policy;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import dev.sluice.testsupport.ArchitectureRules;

@AnalyzeClasses(packages = "dev.sluice.policy", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    // the policies are usable on their own: no event bus, no Redis client, no Redis
    @ArchTest
    static final ArchRule knowsNothingOfTheBusOrRedis =
            ArchitectureRules.noClassDependsOn("dev.sluice.bus..", "io.lettuce..", "redis..");

    @ArchTest
    static final ArchRule usesNoApplication = ArchitectureRules.noClassDependsOnApplications();

    @ArchTest
    static final ArchRule exposesNoInternalType = ArchitectureRules.noInternalTypeInApi();
}
