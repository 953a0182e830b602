# One service of a monorepo: a sub-directory context, build arguments and a target stage.
variable "commit" {
  description = "Commit to build (CI passes it with --var)"
  default     = "main"
}

pipeline "checkout-svc" {
  nomad {
    namespace = "shop"
  }

  source {
    url = "https://git.example.com/acme/shop.git"
    ref = var.commit
  }

  image {
    repository    = "registry.example.com/shop/checkout-svc"
    context       = "services/checkout"
    containerfile = "deploy/Containerfile"
    target        = "release"
    build_args = {
      SERVICE     = "checkout"
      NODE_ENV    = "production"
      BUILD_NOTE  = "it's \"quoted\" and has a $dollar"
    }
  }

  build {
    resources {
      cpu    = 4000
      memory = 8192
      disk   = 16384
    }
    timeout = "1h"
  }

  test "lint" {
    command = ["npm", "run", "lint"]
    env = {
      NODE_ENV = "test"
    }
  }

  publish {
    tags = ["checkout-latest"]
  }
}
