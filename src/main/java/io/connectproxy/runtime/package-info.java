/**
 * Wires one proxy together in start-up order (config, identity, discovery and listeners, then ready), the way
 * linkerd's {@code app} does: the single place that deploys the verticles and answers readiness. Used by the
 * {@code cli} modes, the dev mesh and the tests that run a whole proxy inside their own Vert.x.
 */
package io.connectproxy.runtime;
