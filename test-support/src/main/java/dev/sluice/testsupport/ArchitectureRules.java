package dev.sluice.testsupport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.base.HasDescription;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.domain.PackageMatchers;
import com.tngtech.archunit.core.domain.ThrowsDeclaration;
import com.tngtech.archunit.core.domain.properties.HasSourceCodeLocation;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * ArchUnit rules shared by Sluice's modules, so that each module's architecture test is a few lines: import the
 * module's main classes with {@link #mainClasses(String...)} and check the rules that apply to it.
 *
 * <p>An "internal" type is one in a package matching {@value #INTERNAL_PACKAGES} (not API: it may change in any
 * release). An "API" type is a public type outside those packages whose enclosing types are all public. Rules are
 * stateless and may be shared between tests.
 */
public final class ArchitectureRules {

    /** The ArchUnit package pattern of internal packages. */
    public static final String INTERNAL_PACKAGES = "..internal..";

    /** The ArchUnit package patterns of Sluice's applications, which no library module may depend on. */
    private static final String[] APPLICATION_PACKAGES = {"dev.sluice.demo..", "dev.sluice.benchmarks.."};

    private static final DescribedPredicate<JavaClass> API_TYPE =
            DescribedPredicate.describe("are public API types", ArchitectureRules::isApiType);

    private static final DescribedPredicate<JavaMember> API_MEMBER = DescribedPredicate.describe(
            "are public or protected members of public API types",
            member -> isApiType(member.getOwner())
                    && !member.getModifiers().contains(JavaModifier.SYNTHETIC)
                    && !member.getModifiers().contains(JavaModifier.BRIDGE)
                    && (member.getModifiers().contains(JavaModifier.PUBLIC)
                            || member.getModifiers().contains(JavaModifier.PROTECTED)));

    private ArchitectureRules() {}

    /**
     * Import the production classes (test classes excluded) in {@code packages} and their subpackages from the
     * class path.
     */
    public static JavaClasses mainClasses(String... packages) {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(packages);
    }

    /**
     * Return a rule that no class depends on a class in any of {@code packagePatterns} (ArchUnit patterns such as
     * {@code "io.lettuce.."}): no import, field, signature, call or annotation.
     */
    public static ArchRule noClassDependsOn(String... packagePatterns) {
        return noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(packagePatterns)
                .because("the module must stay usable without " + String.join(", ", packagePatterns));
    }

    /** Return a rule that no class depends on the demo application or the benchmarks. */
    public static ArchRule noClassDependsOnApplications() {
        return noClasses()
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(APPLICATION_PACKAGES)
                .because("libraries are used by the applications, never the other way round");
    }

    /**
     * Return a rule that no internal type is reachable from the API: not as a supertype (or a supertype's type
     * argument) or type-parameter bound of an API type, and not in a public or protected field, constructor or method
     * of one: its type, parameters, return type, type parameters, generic type arguments (at any depth, wildcard and
     * array element types included) or throws clause.
     */
    public static ArchRule noInternalTypeInApi() {
        return CompositeArchRule.of(classes().that(API_TYPE).should(notExtendInternalTypes()))
                .and(members().that(API_MEMBER).should(notExposeInternalTypes()))
                .because("internal types may change in any release, so users must never see them");
    }

    /**
     * Return a condition that a class's superclass, interfaces and type-parameter bounds (with their type arguments)
     * involve no internal type.
     */
    public static ArchCondition<JavaClass> notExtendInternalTypes() {
        return new ArchCondition<>("not extend, implement or be bounded by internal types") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                Optional<JavaType> superclass = type.getSuperclass();
                superclass.ifPresent(s -> report(type, "its superclass " + s.getName(), internalIn(s), events));
                for (JavaType implemented : type.getInterfaces()) {
                    report(type, "its interface " + implemented.getName(), internalIn(implemented), events);
                }
                for (JavaType parameter : type.getTypeParameters()) {
                    report(type, "its type parameter " + parameter.getName(), internalIn(parameter), events);
                }
            }
        };
    }

    /**
     * Return a condition that a field's type, or a constructor's or method's signature (parameters, return type,
     * type parameters, throws clause, with all generic type arguments), involves no internal type.
     */
    public static ArchCondition<JavaMember> notExposeInternalTypes() {
        return new ArchCondition<>("not expose internal types in their signature") {
            @Override
            public void check(JavaMember member, ConditionEvents events) {
                if (member instanceof JavaField field) {
                    report(member, "its type", internalIn(field.getType()), events);
                } else if (member instanceof JavaCodeUnit codeUnit) {
                    checkCodeUnit(codeUnit, events);
                }
            }
        };
    }

    private static void checkCodeUnit(JavaCodeUnit codeUnit, ConditionEvents events) {
        int index = 0;
        for (JavaType parameter : codeUnit.getParameterTypes()) {
            report(codeUnit, "parameter " + index++, internalIn(parameter), events);
        }
        if (codeUnit.isMethod()) {
            report(codeUnit, "its return type", internalIn(codeUnit.getReturnType()), events);
        }
        for (JavaType typeParameter : codeUnit.getTypeParameters()) {
            report(codeUnit, "its type parameter " + typeParameter.getName(), internalIn(typeParameter), events);
        }
        for (ThrowsDeclaration<? extends JavaCodeUnit> thrown : codeUnit.getThrowsClause()) {
            report(codeUnit, "its throws clause", internalIn(thrown.getType()), events);
        }
    }

    private static Set<String> internalIn(JavaType type) {
        Set<String> names = new TreeSet<>();
        for (JavaClass raw : type.getAllInvolvedRawTypes()) {
            JavaClass base = raw.isArray() ? raw.getBaseComponentType() : raw;
            if (isInternal(base)) {
                names.add(base.getName());
            }
        }
        return names;
    }

    private static <T extends HasDescription & HasSourceCodeLocation> void report(
            T item, String where, Collection<String> internalTypes, ConditionEvents events) {
        if (!internalTypes.isEmpty()) {
            events.add(SimpleConditionEvent.violated(
                    item,
                    item.getDescription() + " exposes internal " + internalTypes + " in " + where + " "
                            + item.getSourceCodeLocation()));
        }
    }

    private static boolean isInternal(JavaClass type) {
        return PackageMatchers.of(INTERNAL_PACKAGES).test(type.getPackageName());
    }

    private static boolean isApiType(JavaClass type) {
        if (isInternal(type) || type.isAnonymousClass() || type.isLocalClass()) {
            return false;
        }
        for (JavaClass current = type; ; ) {
            if (!current.getModifiers().contains(JavaModifier.PUBLIC)) {
                return false;
            }
            Optional<JavaClass> enclosing = current.getEnclosingClass();
            if (enclosing.isEmpty()) {
                return true;
            }
            current = enclosing.get();
        }
    }
}
