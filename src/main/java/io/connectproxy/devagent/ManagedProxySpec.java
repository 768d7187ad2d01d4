package io.connectproxy.devagent;

import java.util.List;

/** What a Consul 1.3–1.5 managed proxy (Connect.Proxy on the target service) asked the agent to run. */
record ManagedProxySpec(String execMode, List<String> command) {
}
