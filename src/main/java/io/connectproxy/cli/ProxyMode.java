package io.connectproxy.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** Placeholder until the proxy mode lands on main (being built on its own branch). */
public final class ProxyMode implements Mode {
    @Override
    public int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        err.println("proxy mode is not built yet");
        return 2;
    }
}
