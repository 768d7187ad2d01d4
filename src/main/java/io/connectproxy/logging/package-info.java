/**
 * Logging helpers shared by the data path: rate-limited event lines so a flood of bad peers cannot flood the log.
 */
package io.connectproxy.logging;
