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

    public static void main(String[] args) {
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
}
