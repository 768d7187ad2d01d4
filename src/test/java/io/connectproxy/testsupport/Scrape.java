package io.connectproxy.testsupport;

import java.util.Map;

/** Reads one sample out of Prometheus text: the sum over series of {@code name} whose labels include {@code labels}. */
public final class Scrape {
    private Scrape() {
    }

    public static double value(String text, String name, Map<String, String> labels) {
        double sum = 0;
        for (String line : text.split("\n")) {
            if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            String series = line.substring(0, space);
            boolean all = labels.entrySet().stream()
                    .allMatch(e -> series.contains(e.getKey() + "=\"" + e.getValue() + "\""));
            if (all) {
                sum += Double.parseDouble(line.substring(space + 1));
            }
        }
        return sum;
    }
}
