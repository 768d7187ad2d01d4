package io.connectproxy.identity;

import java.lang.reflect.Method;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

import io.connectproxy.config.KeyExchangeGroups;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.vertx.core.spi.tls.SslContextFactory;

/**
 * Builds the mesh's Netty TLS contexts as Vert.x's default factory does, plus what it cannot express:
 * <ul>
 * <li>the key exchange groups ({@code tls_key_exchange_groups}) for both engines;</li>
 * <li>on the OpenSSL server side, TLS 1.3 session tickets (Netty turns them off unless ticket keys are set) with a key
 * shared by every context of one identity ({@link SessionTicketKeys}) and a lifetime that ends before the leaf does.
 * A resumed session keeps the client's certificate chain (BoringSSL stores it in the ticket), so the caller's SPIFFE
 * id and authorization are checked on a resumed connection exactly as on a full handshake.</li>
 * </ul>
 * The dialling side needs nothing here: Netty's OpenSSL client context caches sessions per peer host and port (one
 * context per identity, so the cache dies with it), and the dialler checks the server's SPIFFE id on every
 * connection, resumed or not.
 */
final class MeshSslContextFactory implements SslContextFactory {
    private static final Logger LOG = Logger.getLogger(MeshSslContextFactory.class.getName());
    /** Longest a ticket is accepted; the leaf's remaining validity shortens it further. */
    static final long MAX_TICKET_LIFETIME_SECONDS = 3_600;
    private static final Method SET_NAMED_GROUPS = namedGroupsSetter();
    private static volatile boolean jdkGroupsWarned;

    private final SslProvider provider;
    private final KeyExchangeGroups groups;
    private final ResumedHandshakes resumed;
    private boolean useAlpn;
    private ClientAuth clientAuth;
    private boolean forServer;
    private SNIServerName serverName;
    private String endpointIdentificationAlgorithm;
    private Set<String> enabledProtocols;
    private KeyManagerFactory kmf;
    private TrustManagerFactory tmf;
    private Set<String> enabledCipherSuites;
    private List<String> applicationProtocols;

    MeshSslContextFactory(SslProvider provider, KeyExchangeGroups groups, ResumedHandshakes resumed) {
        this.provider = provider;
        this.groups = groups;
        this.resumed = resumed;
    }

    @Override
    public SslContextFactory useAlpn(boolean useAlpn) {
        this.useAlpn = useAlpn;
        return this;
    }

    @Override
    public SslContextFactory forServer(ClientAuth clientAuth) {
        this.forServer = true;
        this.clientAuth = clientAuth;
        return this;
    }

    @Override
    public SslContextFactory forClient(SNIServerName serverName, String endpointIdentificationAlgorithm) {
        this.forServer = false;
        this.serverName = serverName;
        this.endpointIdentificationAlgorithm = endpointIdentificationAlgorithm;
        return this;
    }

    @Override
    public SslContextFactory enabledProtocols(Set<String> enabledProtocols) {
        this.enabledProtocols = enabledProtocols;
        return this;
    }

    @Override
    public SslContextFactory keyMananagerFactory(KeyManagerFactory kmf) {
        this.kmf = kmf;
        return this;
    }

    @Override
    public SslContextFactory trustManagerFactory(TrustManagerFactory tmf) {
        this.tmf = tmf;
        return this;
    }

    @Override
    public SslContextFactory enabledCipherSuites(Set<String> enabledCipherSuites) {
        this.enabledCipherSuites = enabledCipherSuites;
        return this;
    }

    @Override
    public SslContextFactory applicationProtocols(List<String> applicationProtocols) {
        this.applicationProtocols = applicationProtocols;
        return this;
    }

    @Override
    public SslContext create() throws SSLException {
        SslContextBuilder builder = forServer ? SslContextBuilder.forServer(kmf)
                : SslContextBuilder.forClient().keyManager(kmf);
        builder.sslProvider(provider);
        if (tmf != null) {
            builder.trustManager(tmf);
        }
        if (enabledCipherSuites != null && !enabledCipherSuites.isEmpty()) {
            builder.ciphers(enabledCipherSuites);
        }
        if (enabledProtocols != null) {
            builder.protocols(enabledProtocols);
        }
        if (useAlpn && applicationProtocols != null && !applicationProtocols.isEmpty()) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, applicationProtocols));
        }
        if (forServer) {
            if (clientAuth != null) {
                builder.clientAuth(clientAuth);
            }
        } else {
            if (serverName != null) {
                builder.serverName(serverName);
            }
            builder.endpointIdentificationAlgorithm(
                    endpointIdentificationAlgorithm == null ? "" : endpointIdentificationAlgorithm);
        }
        if (provider != SslProvider.JDK) {
            builder.option(OpenSslContextOption.GROUPS, groups.openSslNames());
        }
        SslContext context = builder.build();
        if (provider != SslProvider.JDK) {
            if (forServer && context.sessionContext() instanceof OpenSslServerSessionContext sessions) {
                enableTickets(sessions);
            }
            return context;
        }
        if (forServer && context.sessionContext() != null) {
            // the JDK's tickets live as long as its session timeout (24 h by default)
            context.sessionContext().setSessionTimeout(
                    (int) ticketLifetimeSeconds(SessionTicketKeys.leafChain(kmf), Instant.now()));
        }
        return withJdkGroups(context);
    }

    private void enableTickets(OpenSslServerSessionContext sessions) {
        sessions.setTicketKeys(SessionTicketKeys.derive(kmf, tmf));
        sessions.setSessionTimeout((int) ticketLifetimeSeconds(SessionTicketKeys.leafChain(kmf), Instant.now()));
        if (resumed != null) {
            resumed.track(identityKey(), sessions.stats());
        }
    }

    /** What tells two identities apart for {@link ResumedHandshakes}: the leaf and the roots. */
    private Object identityKey() {
        List<X509Certificate> leaf = SessionTicketKeys.leafChain(kmf);
        return List.of(leaf.isEmpty() ? "" : leaf.get(0).getSerialNumber().toString(),
                tmf == null ? List.of() : List.of(tmf.getTrustManagers()));
    }

    /** At most an hour, and never past the leaf's expiry (at least a second, so a dying leaf still works). */
    static long ticketLifetimeSeconds(List<X509Certificate> chain, Instant now) {
        long lifetime = MAX_TICKET_LIFETIME_SECONDS;
        if (!chain.isEmpty()) {
            long left = chain.get(0).getNotAfter().toInstant().getEpochSecond() - now.getEpochSecond();
            lifetime = Math.min(lifetime, left);
        }
        return Math.max(1, lifetime);
    }

    /**
     * The JDK engine takes groups per engine only from Java 20 ({@code SSLParameters.setNamedGroups}); before that
     * only the JVM-wide {@code jdk.tls.namedGroups} property sets them, which on Java 17 already defaults to
     * x25519 then secp256r1 (it has no ML-KEM).
     */
    private SslContext withJdkGroups(SslContext context) {
        if (SET_NAMED_GROUPS == null) {
            if (!groups.equals(KeyExchangeGroups.DEFAULT) && !jdkGroupsWarned) {
                jdkGroupsWarned = true;
                LOG.warning(KeyExchangeGroups.KEY + " \"" + groups + "\" is not applied to the jdk TLS engine on Java "
                        + Runtime.version().feature() + " (needs Java 20+); it uses the JVM's jdk.tls.namedGroups");
            }
            return context;
        }
        String[] names = groups.names().toArray(String[]::new);
        return new DelegatingSslContext(context) {
            @Override
            protected void initEngine(SSLEngine engine) {
                SSLParameters parameters = engine.getSSLParameters();
                try {
                    SET_NAMED_GROUPS.invoke(parameters, (Object) names);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("SSLParameters.setNamedGroups", e);
                }
                engine.setSSLParameters(parameters);
            }
        };
    }

    private static Method namedGroupsSetter() {
        try {
            return SSLParameters.class.getMethod("setNamedGroups", String[].class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
