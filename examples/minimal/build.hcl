# The smallest useful pipeline: build and push an image, no credentials, no tests.
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
}
