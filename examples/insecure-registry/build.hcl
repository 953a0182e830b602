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
    privileged = true
    timeout    = "30m"
  }

  test "smoke" {
    command = ["/usr/local/bin/inventory", "--version"]
  }

  publish {
    tags = ["v2.3.0", "stable"]
  }
}
