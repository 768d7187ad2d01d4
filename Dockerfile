# connect-proxy as a container sidecar. Build: docker build --build-arg REVISION=$(git rev-parse HEAD) -t connect-proxy .
# Run next to a Consul agent (host network or a shared network namespace), e.g.:
#   docker run --network host -e CONNECT_SIDECAR_FOR=web connect-proxy
#   docker run --network host -v $PWD/web.json:/etc/connect-proxy/web.json -e CONNECT_CONF=/etc/connect-proxy/web.json connect-proxy
#   docker run --rm --network host connect-proxy envoy -sidecar-for web -bootstrap > bootstrap.json

# ---- build stage: the fat jar --------------------------------------------------------------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
# CI runs the tests (mvn -B verify, which needs loopback sockets and spawns JVMs); the image build only packages.
# .git is not in the build context: pass the commit for `version` with --build-arg REVISION=$(git rev-parse HEAD)
ARG REVISION=unknown
RUN mvn -B -q -DskipTests -Dbuild.revision="$REVISION" package

# ---- runtime stage: a JRE, a non-root user, the jar at a fixed path ------------------------------------------
# JDK 25 at run time (the jar is built for 17 and runs on both): its AOT cache, trained below, roughly halves the
# time from start to ready (bench/JVM.md); the entrypoint adds --sun-misc-unsafe-memory-access=allow with it.
FROM eclipse-temurin:25-jre
RUN groupadd --system --gid 10001 connect-proxy \
    && useradd --system --uid 10001 --gid connect-proxy --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin connect-proxy
COPY --from=build /src/target/proxy-fat.jar /opt/connect-proxy/proxy-fat.jar
COPY docker/entrypoint.sh docker/healthcheck.sh docker/aot-train.sh docker/stop-pid.sh conf/aot-training.json \
     /opt/connect-proxy/
# the launcher and the JVM flags the product ships: the entrypoint starts the JVM through them
COPY bin/connect-proxy /opt/connect-proxy/bin/connect-proxy
COPY conf/jvm.options /opt/connect-proxy/conf/jvm.options
RUN chmod 0755 /opt/connect-proxy/entrypoint.sh /opt/connect-proxy/healthcheck.sh /opt/connect-proxy/aot-train.sh \
        /opt/connect-proxy/bin/connect-proxy \
    && ln -s /opt/connect-proxy/bin/connect-proxy /usr/local/bin/connect-proxy
# The AOT cache: one training run of a real sidecar against the embedded dev agent (loopback, on free ports, ~20 s),
# with the entrypoint's JVM flags, on this image's JVM and jar, the only ones it is valid for. The entrypoint
# uses it while the jar's size and time match the stamp written beside it.
RUN /opt/connect-proxy/entrypoint.sh aot-train /opt/connect-proxy/proxy.aot \
    && chmod 0644 /opt/connect-proxy/proxy.aot /opt/connect-proxy/proxy.aot.jar-stamp

# configuration by environment (see docker/entrypoint.sh and the README); a token belongs in a mounted file
# (CONSUL_HTTP_TOKEN_FILE), never in the image
ENV CONSUL_HTTP_ADDR=127.0.0.1:8500 \
    CONNECT_ADMIN_BIND=127.0.0.1:19100 \
    CONNECT_AOT_CACHE=/opt/connect-proxy/proxy.aot

USER 10001:10001
# 21000: the public mTLS listener Consul assigns to the first sidecar; 19100: admin (/ready /metrics), loopback
# unless CONNECT_ADMIN_BIND or -admin-bind says otherwise
EXPOSE 21000 19100
# /ready on the admin address the proxy was started with (its command line's -admin-bind, which the entrypoint
# builds from CONNECT_ADMIN_BIND and any -admin-bind given to docker run); -admin-bind off passes, saying so
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["/opt/connect-proxy/healthcheck.sh"]
# exec'd by the script, java is PID 1 and gets SIGTERM from docker stop: it drains (3 s grace + 5 s drain by
# default, inside docker stop's 10 s) and exits 0
ENTRYPOINT ["/opt/connect-proxy/entrypoint.sh"]
