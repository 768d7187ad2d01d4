/**
 * Logging for the whole process: the java.util.logging set-up (text or JSON lines on stderr, Netty and Vert.x
 * routed through slf4j into it) and rate-limited event lines so a flood of bad peers cannot flood the log.
 */
package io.connectproxy.logging;
