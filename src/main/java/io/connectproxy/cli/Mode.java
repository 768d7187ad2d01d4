package io.connectproxy.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * One way to run the jar (proxy, envoy, dev). {@link #run} returns the process exit code; a long-running mode
 * returns when it has shut down. Modes print user-facing output (usage, errors, bootstrap JSON) to the given
 * streams, never a stack trace.
 */
public interface Mode {
    int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err);
}
