# An in-house registry on a port, over plain HTTP.
pipeline "inventory" {
  nomad {
    datacenters = ["lab"]
  }

  source {
    url = "https://git.lab.internal/tools/inventory.git"
    ref = "v2.3.0"
  }

  image {
    repository = "registry.lab.internal:5000/tools/inventory"
  }

  registry "registry.lab.internal:5000" {
    insecure = true
  }

  build {
    timeout = "30m"
  }

  # nomad-build:ignore insecure-registry-docker-pull -- the lab's Nomad clients list this registry in docker's insecure-registries
  test "smoke" {
    command = ["/usr/local/bin/inventory", "--version"]
  }

  publish {
    tags = ["v2.3.0", "stable"]
  }
}
