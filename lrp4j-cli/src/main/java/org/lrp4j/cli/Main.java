package org.lrp4j.cli;

import java.util.concurrent.Callable;

import org.lrp4j.tensor.kernel.Parallel;
import org.lrp4j.tensor.kernel.Sgemm;
import org.lrp4j.tensor.kernel.VectorSupport;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lrp4j} command. */
@Command(name = "lrp4j", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Explain neural-network decisions with Layer-wise Relevance Propagation.",
        subcommands = {Main.Info.class, DemoCommand.class, TrainCommand.class, EvaluateCommand.class,
                InspectCommand.class, PredictCommand.class, ExplainCommand.class, PixelFlippingCommand.class,
                PatternsCommand.class,
                ServeCommand.class, SvmCommand.class, DistillCommand.class, TeaExperimentCommand.class,
                BenchCommand.class})
public final class Main implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        ExplainCommand.describe(cl.getSubcommands().get("explain").getCommandSpec());
        cl.setExecutionExceptionHandler(Main::handleError);
        cl.setParameterExceptionHandler(Main::handleParameterError);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // big models and batches need a big heap; say how to get one instead of a stack trace
            long mb = Runtime.getRuntime().maxMemory() / (1024 * 1024);
            cl.getErr().printf("lrp4j: error: out of memory (the JVM may use at most %d MB); use a smaller --batch"
                    + " (explain with several classes per image, pixel-flipping) or fewer images per call%s%n", mb,
                    mb < 12_000 ? ", or give the JVM more with LRP4J_JAVA_OPTS=-Xmx" + Math.max(8, 2 * mb / 1024) + "g"
                            : "");
            return 3;
        }
    }

    /**
     * A mistake on the command line (unknown option, bad value, bad rule or target): one line naming the problem,
     * then the short usage line and where the options are listed, exit code 2. The full option list is not printed:
     * 130 lines of it would push the error off the screen.
     */
    static int handleParameterError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String name = commandName(cl);
        StringBuilder line = new StringBuilder();
        line.append(name.equals("lrp4j") ? "lrp4j" : "lrp4j " + name).append(": error: ").append(e.getMessage());
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            line.append("; did you mean ").append(String.join(" or ", u.getSuggestions())).append('?');
        }
        String help = name.equals("lrp4j") ? "lrp4j --help" : "lrp4j " + name + " --help";
        cl.getErr().println(line);
        cl.getErr().println("Usage: " + (name.equals("lrp4j") ? "lrp4j COMMAND [OPTIONS]" : "lrp4j " + name
                + " [OPTIONS]") + "   ('" + help + "' lists the options)");
        return 2;
    }

    /**
     * Errors a user can act on (bad file, bad shape, missing data) print one line naming the problem; only bugs
     * print a stack trace.
     */
    private static int handleError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        boolean userError = e instanceof java.io.IOException || e instanceof IllegalArgumentException
                || e instanceof org.lrp4j.data.DatasetException || e instanceof IllegalStateException;
        String name = commandName(cl);
        if (e instanceof java.nio.file.NoSuchFileException) {
            cl.getErr().println("lrp4j " + name + ": error: file not found: " + e.getMessage());
            return 2;
        }
        if (userError) {
            cl.getErr().println("lrp4j " + name + ": error: " + e.getMessage());
            return 2;
        }
        cl.getErr().println("lrp4j " + name + ": internal error (please report): " + e);
        e.printStackTrace(cl.getErr());
        return 1;
    }

    /** The command's name below {@code lrp4j}, with its parents for a subcommand ("patterns fit"). */
    static String commandName(CommandLine cl) {
        String q = cl.getCommandSpec().qualifiedName(" ");
        return q.startsWith("lrp4j ") ? q.substring("lrp4j ".length()) : q;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(System.out);
        return 0;
    }

    /** Prints what the engine runs on. */
    @Command(name = "info", description = "Print the engine's kernels, threads and JVM.")
    static final class Info implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println("lrp4j " + Version.VERSION);
            System.out.println("java      " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
            System.out.println("threads   " + Parallel.threads());
            System.out.println("vector    " + (VectorSupport.available() ? "jdk.incubator.vector present"
                    : "absent (start java with --add-modules jdk.incubator.vector for the fast kernels)"));
            System.out.println("sgemm     " + Sgemm.best().name());
            return 0;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        static final String VERSION = "0.1.0-SNAPSHOT";

        @Override
        public String[] getVersion() {
            return new String[] {"lrp4j " + VERSION};
        }
    }
}
