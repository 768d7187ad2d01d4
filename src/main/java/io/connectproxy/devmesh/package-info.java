/**
 * The one-command local mesh ({@code dev -conf conf/dev-mesh.json}): the embedded dev agent with services
 * registered, built-in echo apps and sidecars, each sidecar a {@code runtime} in its own Vert.x as separate
 * processes would be. Also the base of the tests' mesh set-up.
 */
package io.connectproxy.devmesh;
