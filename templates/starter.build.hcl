# build.hcl: how nomad-build builds, tests and publishes this repository's image on Nomad.
# Check it with `nomad-build validate`; compile it with `nomad-build render -o nomad/`.

pipeline "my-service" {
  # Where the jobs run. Every attribute here is optional.
  nomad {
    datacenters = ["*"]
    # namespace = "builds"
    # node_pool = "builders"
  }

  # The repository to build. Without `source`, the `origin` remote and HEAD commit of the
  # git repository that contains this file are used.
  # source {
  #   url = "https://git.example.com/acme/my-service.git"
  #   ref = "main"
  # }

  image {
    repository = "registry.example.com/acme/my-service"
    # containerfile = "Containerfile"
    # build_args    = { VERSION = "1.0.0" }
  }

  build {
    timeout = "30m"
  }

  test "unit" {
    command = ["/bin/sh", "-c", "echo replace me with your test command"]
  }

  publish {
    tags = ["latest"]
  }
}
