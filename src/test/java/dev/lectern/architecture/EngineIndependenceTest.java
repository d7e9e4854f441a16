package dev.lectern.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The engine is a library: no Spring, no Reactor, no Netty, no servlet or HTTP types. That keeps it
 * usable from the CLI and benchmarks, and testable without a server.
 */
class EngineIndependenceTest {

    private static final String[] WEB_AND_FRAMEWORK_PACKAGES = {
        "org.springframework..", "reactor..", "io.netty..", "jakarta.servlet..", "javax.servlet..",
        "java.net.http..", "com.sun.net.httpserver..", "org.apache.hc..", "org.apache.http.."
    };

    static ArchRule engineStaysIndependent(String enginePackage) {
        return noClasses().that().resideInAPackage(enginePackage + "..")
                .should().dependOnClassesThat().resideInAnyPackage(WEB_AND_FRAMEWORK_PACKAGES)
                .because("the engine must run without Spring or a web server (DESIGN.md, Layout)");
    }

    @Test
    void engineImportsNoSpringReactorNettyOrHttpTypes() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.lectern");
        assertThat(production.stream().filter(c -> c.getPackageName().startsWith("dev.lectern.engine")))
                .as("the rule checks real engine classes, not an empty package")
                .isNotEmpty();
        engineStaysIndependent("dev.lectern.engine").check(production);
    }

    /** The rule itself must be able to fail: a fixture engine class that uses Spring trips it. */
    @Test
    void theRuleCatchesAnEngineClassThatUsesSpring() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.lectern.architecture.fixture");
        assertThatThrownBy(() -> engineStaysIndependent("dev.lectern.architecture.fixture.engine").check(fixture))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("SpringLeakingKernel")
                .hasMessageContaining("org.springframework");
    }
}
