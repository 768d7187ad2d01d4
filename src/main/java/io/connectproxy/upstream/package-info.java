/**
 * Outbound side: endpoint discovery per upstream, load balancing, the plaintext upstream listeners that dial destinations over mTLS and verify who answered, and live diffing of upstream listeners.
 */
package io.connectproxy.upstream;
