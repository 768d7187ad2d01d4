package io.connectproxy.cli;

import io.connectproxy.logging.Logging;

import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar proxy-fat.jar [envoy|dev|validate|version] [flags]}: picks the mode by the first argument
 * (proxy when it is a flag) and ends the process with the mode's exit code.
 */
public final class Main {
    private Main() {
    }

    /** Netty's switch for its JFR events; read once, when Netty's {@code PlatformDependent} is initialised. */
    static final String NETTY_JFR_PROPERTY = "io.netty.jfr.enabled";

    public static void main(String[] args) {
        nettyJfrOffUnlessAsked();
        Logging.installLogManager();
        List<String> list = Arrays.asList(args);
        Mode mode;
        List<String> rest;
        if (!list.isEmpty() && list.get(0).equals("envoy")) {
            mode = new EnvoyMode();
            rest = list.subList(1, list.size());
        } else if (!list.isEmpty() && list.get(0).equals("dev")) {
            mode = new DevMode();
            rest = list.subList(1, list.size());
        } else if (!list.isEmpty() && List.of("version", "-version", "--version").contains(list.get(0))) {
            mode = new VersionMode();
            rest = list.subList(1, list.size());
        } else if (!list.isEmpty() && list.get(0).equals("validate")) {
            mode = new ValidateMode();
            rest = list.subList(1, list.size());
        } else {
            mode = new ProxyMode();
            rest = list;
        }
        int code = mode.run(rest, System.getenv(), System.out, System.err);
        System.out.flush();
        System.exit(code);
    }

    /**
     * Turns Netty's JFR events off unless {@code -Dio.netty.jfr.enabled} says otherwise. Why: Netty 4.2's buffer
     * allocator checks its JFR events (chunk and buffer allocation, off in every JFR profile unless enabled by
     * hand) at its first allocation, and that registers them with the JVM's Flight Recorder: ~100 jdk.jfr classes,
     * annotation parsing and bytecode generated for the event classes, ~100 ms of CPU. It fell on the first agent
     * request (its first buffer), which took ~110 ms instead of ~15 ms; start to ready with JDK 25 and the AOT
     * cache lost ~120 ms (bench/JVM.md, session 6). Must run before any Netty class is initialised.
     */
    static void nettyJfrOffUnlessAsked() {
        if (System.getProperty(NETTY_JFR_PROPERTY) == null) {
            System.setProperty(NETTY_JFR_PROPERTY, "false");
        }
    }
}
