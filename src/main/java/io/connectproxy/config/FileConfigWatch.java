package io.connectproxy.config;

import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Re-reads a -conf file with vertx-config (a polling file store, so edits, atomic renames and ConfigMap symlink
 * swaps are all seen) and hands each valid {@link ProxyConfig} to the consumer. The file is read as raw text and
 * parsed here, so an invalid edit is reported with the same field-path message as at start-up, and the previous
 * config stays in force. Only the {@code service} block is reloaded; other blocks need a restart.
 */
final class FileConfigWatch {
    private static final Logger LOG = Logger.getLogger(FileConfigWatch.class.getName());
    private static final String TEXT_KEY = "text";

    private final Vertx vertx;
    private final String path;
    private final String datacenter;
    private final long scanPeriodMs;
    private final Consumer<ProxyConfig> onValid;

    private ConfigRetriever retriever;
    private JsonObject settingsAtStart;
    private String lastProblem;

    FileConfigWatch(Vertx vertx, String path, String datacenter, long scanPeriodMs, Consumer<ProxyConfig> onValid) {
        this.vertx = vertx;
        this.path = path;
        this.datacenter = datacenter;
        this.scanPeriodMs = scanPeriodMs;
        this.onValid = onValid;
    }

    /** Completes after the first read; later changes are delivered from the scan timer on the caller's context. */
    Future<Void> start() {
        ConfigStoreOptions store = new ConfigStoreOptions()
                .setType("file")
                .setFormat("raw")
                // optional: a missing or half-replaced file yields {} instead of an error with a stack trace
                .setOptional(true)
                .setConfig(new JsonObject().put("path", path).put("raw.key", TEXT_KEY).put("raw.type", "string"));
        retriever = ConfigRetriever.create(vertx, new ConfigRetrieverOptions()
                .setIncludeDefaultStores(false)
                .setScanPeriod(scanPeriodMs)
                .addStore(store));
        retriever.listen(change -> onRead(change.getNewConfiguration()));
        return retriever.getConfig().map(json -> {
            onRead(json);
            return null;
        });
    }

    Future<Void> stop() {
        return retriever == null ? Future.succeededFuture() : retriever.close();
    }

    private void onRead(JsonObject read) {
        String text = read.getString(TEXT_KEY);
        if (text == null) {
            problem("config file " + path + " is missing or unreadable; keeping the previous config");
            return;
        }
        try {
            JsonObject root = ConfigFile.decode(text, path);
            ConfigFile file = ConfigFile.fromJson(root, path);
            if (file.service() == null) {
                throw new ConfigException("service", "required: the proxy was started from the service block of "
                        + path + "; switching to sidecar_for or proxy_id needs a restart");
            }
            ProxyConfig config = file.proxyConfig(datacenter);
            warnAboutRestartOnlySettings(root);
            lastProblem = null;
            onValid.accept(config);
        } catch (ConfigException e) {
            problem("config file " + path + " has an invalid change, keeping the previous config: "
                    + e.getMessage());
        }
    }

    private void warnAboutRestartOnlySettings(JsonObject root) {
        JsonObject settings = root.copy();
        settings.remove("service");
        if (settingsAtStart == null) {
            settingsAtStart = settings;
        } else if (!settingsAtStart.equals(settings)) {
            LOG.warning(() -> "config file " + path + ": changes outside the service block (consul, admin, log) "
                    + "take effect on restart");
            settingsAtStart = settings;
        }
    }

    /** Each distinct problem is logged once, not on every scan. */
    private void problem(String message) {
        if (!message.equals(lastProblem)) {
            LOG.warning(message);
            lastProblem = message;
        }
    }
}
