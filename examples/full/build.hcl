# A full pipeline: private git and registries through Vault, two tests, and publishing
# to two registries.
variable "ref" {
  description = "Git ref to build"
  default     = "main"
}

variable "version" {
  description = "Release version, used as a tag"
  default     = "1.4.2"
}

pipeline "payments-api" {
  nomad {
    region      = "global"
    namespace   = "builds"
    datacenters = ["dc1", "dc2"]
    node_pool   = "builders"
    priority    = 60

    constraint {
      attribute = "${attr.kernel.name}"
      value     = "linux"
    }

    meta = {
      team = "payments"
    }
  }

  vault {
    role     = "nomad-workloads"
    audience = ["vault.io"]
  }

  source {
    url = "https://git.example.com/acme/payments-api.git"
    ref = var.ref

    credentials {
      path = "secret/data/nomad/jobs/git-credentials"
    }
  }

  image {
    repository    = "registry.example.com/acme/payments-api"
    containerfile = "Dockerfile"
    target        = "runtime"
    build_args = {
      GO_VERSION = "1.22"
      LDFLAGS    = "-X main.version=${var.version} -X 'main.banner=$${USER} pays 100%%{x}'"
    }
    labels = {
      "org.opencontainers.image.source"  = "https://git.example.com/acme/payments-api"
      "org.opencontainers.image.version" = var.version
    }
  }

  registry "registry.example.com" {
    credentials {
      path = "secret/data/nomad/jobs/registry-credentials"
    }
    # Test tasks can read the credentials they pull with: give them read-only ones.
    pull_credentials {
      path = "secret/data/nomad/jobs/registry-pull-credentials"
    }
  }

  registry "mirror.example.com" {
    credentials {
      path     = "secret/data/nomad/jobs/mirror-credentials"
      username = "user"
      password = "token"
    }
  }

  build {
    builder_image  = "quay.io/buildah/stable:v1.37.5"
    storage_driver = "vfs"
    isolation      = "chroot"

    cache {
      host_volume = "buildah-cache"
    }

    resources {
      cpu    = 2000
      memory = 4096
      disk   = 8192
    }

    timeout = "45m"
  }

  test "unit" {
    command = ["make", "test"]
    env = {
      CI      = "true"
      MESSAGE = "price: $5 {{ not a template }} ${NOT_NOMAD}"
    }

    resources {
      cpu    = 1000
      memory = 2048
    }

    timeout = "20m"
  }

  test "integration" {
    image    = "registry.example.com/acme/go-toolbox:1.22"
    checkout = true
    command  = ["go", "test", "./..."]
  }

  publish {
    tags         = ["latest", var.version]
    repositories = ["mirror.example.com/acme/payments-api"]
  }
}
