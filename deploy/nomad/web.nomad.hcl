# A Nomad job running "web" with connect-proxy as its Connect sidecar: Nomad's Connect integration starts Envoy
# as the sidecar task; `sidecar_task` replaces that task's definition with connect-proxy's image. Nomad registers
# the service and its sidecar with the node's Consul agent from the `service` block, and connect-proxy takes its
# config from that registration (-sidecar-for, the service id Nomad gives it).
# Run: nomad job run web.nomad.hcl
job "web" {
  datacenters = ["dc1"]
  type        = "service"

  group "web" {
    count = 2

    network {
      # Connect needs bridge networking: the app and its sidecar share the group's network namespace
      mode = "bridge"
      port "admin" {
        to = 19100
      }
    }

    service {
      name = "web"
      port = "8080"
      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "db"
              local_bind_port  = 9191
            }
          }
        }

        sidecar_task {
          driver = "docker"
          config {
            image = "connect-proxy:latest"
            args = [
              "-sidecar-for", "_nomad-task-${NOMAD_ALLOC_ID}-group-web-web-8080",
              "-admin-bind", "0.0.0.0:19100",
              "-log-json",
            ]
            readonly_rootfs = true
            # netty extracts its native libraries (epoll, BoringSSL) to the temp dir
            mount {
              type     = "tmpfs"
              target   = "/tmp"
              readonly = false
              tmpfs_options {
                size = 33554432
              }
            }
          }

          # the token as a file the proxy reads, never an environment variable or an argument
          template {
            data        = "{{ with nomadVar \"nomad/jobs/web\" }}{{ .consul_token }}{{ end }}"
            destination = "secrets/consul-token"
            perms       = "0400"
          }

          env {
            CONSUL_HTTP_ADDR       = "${attr.unique.network.ip-address}:8500"
            CONSUL_HTTP_TOKEN_FILE = "${NOMAD_SECRETS_DIR}/consul-token"
          }

          # SIGTERM drains (shutdown_grace_ms + drain_timeout_ms, 8 s by default), then exits 0
          kill_signal  = "SIGTERM"
          kill_timeout = "15s"

          resources {
            cpu    = 200
            memory = 192
          }
        }
      }

      check {
        name     = "connect-proxy ready"
        type     = "http"
        port     = "admin"
        path     = "/ready"
        interval = "10s"
        timeout  = "2s"
      }
    }

    task "web" {
      driver = "docker"
      config {
        image = "registry.example.com/web:1.0"
      }
    }
  }
}
