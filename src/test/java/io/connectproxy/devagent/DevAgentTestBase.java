package io.connectproxy.devagent;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A dev agent with default options on a free port, and an HTTP helper for it, per test method. */
abstract class DevAgentTestBase {
    protected DevAgent agent;
    protected AgentHttp http;

    @BeforeEach
    void startAgent(Vertx vertx) {
        agent = AgentHttp.await(DevAgent.start(vertx, DevAgentOptions.defaults()));
        http = new AgentHttp(agent);
    }

    @AfterEach
    void stopAgent() {
        AgentHttp.await(agent.close());
    }
}
