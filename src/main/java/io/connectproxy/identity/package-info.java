/**
 * Mesh identity: SPIFFE ids, PEM handling, the immutable TlsIdentity (leaf chain, key, roots), certificate chain and SPIFFE verification for both TLS sides, and the CertRotationVerticle that keeps the identity current.
 */
package io.connectproxy.identity;
