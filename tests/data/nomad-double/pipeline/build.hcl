# The pipeline the `run` scenarios submit: build (with its checkout), one test, publish.
pipeline "hello" {
  source {
    url = "https://git.example.com/acme/hello.git"
    ref = "main"
  }

  image {
    repository = "registry.example.com/acme/hello"
  }

  build {
    timeout = "20m"
  }

  test "unit" {
    command = ["make", "test"]
    timeout = "10m"
  }

  publish {
    tags = ["latest"]
  }
}
