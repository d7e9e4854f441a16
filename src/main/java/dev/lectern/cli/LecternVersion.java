package dev.lectern.cli;

import picocli.CommandLine.IVersionProvider;

/** The version recorded in the jar's manifest by the build; a run from compiled classes has none. */
public final class LecternVersion implements IVersionProvider {

    public static String current() {
        String version = LecternVersion.class.getPackage().getImplementationVersion();
        return version != null ? version : "development build";
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "Lectern " + current(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
        };
    }
}
