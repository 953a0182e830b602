# An operator policy for nomad-build (docs/policy.md). The platform team owns this file and
# keeps it outside every repository (for example /etc/nomad-build/policy.hcl on the CI
# runners); CI passes it with `--policy FILE` or `NOMAD_BUILD_POLICY=FILE`.
#
# build.hcl is written by whoever can push a branch. Every value below pins one thing a
# build.hcl would otherwise choose alone; a value outside the policy is an error at its line
# in build.hcl (`policy-*` rules), which no comment in build.hcl can silence.

allow {
  # Where the jobs run. Builds get a namespace and a node pool of their own: a privileged
  # build is root on its node.
  namespaces = ["builds"]
  node_pools = ["builders"]

  # The Vault JWT roles build.hcl may log in with.
  vault_roles = ["nomad-workloads"]

  # Every image a task runs in, defaults included: buildah, git and skopeo hold the
  # credentials while they run; test images run with the pull credentials.
  images = [
    "quay.io/buildah/stable:v1.*",
    "docker.io/alpine/git:v2.*",
    "quay.io/skopeo/stable:v1.*",
    "registry.example.com/acme/**",
  ]

  # Host volumes mounted read-write into the build (its layer cache).
  host_volumes = ["buildah-cache"]

  # Privileged buildah on the `builders` pool only. `false` refuses every build.hcl that does
  # not set `build { privileged = false }`.
  privileged = true

  # Template overrides (`--templates DIR`) are code: refused.
  templates = false
}

# Pipeline names by source repository: the name makes the job IDs, which Vault roles bind to
# (`nomad_job_id`). With any `repository` block, a repository no block matches is refused.
repository "https://git.example.com/acme/payments-api.git" {
  pipelines = ["payments-api"]
}

repository "https://git.example.com/acme/*.git" {
  pipelines = ["sandbox-*"]
}

# Where each Vault secret may be sent. A secret build.hcl names without a block here is
# refused.
credentials "secret/data/nomad/jobs/registry-credentials" {
  registries = ["registry.example.com"]
}

credentials "secret/data/nomad/jobs/registry-pull-credentials" {
  registries = ["registry.example.com"]
}

credentials "secret/data/nomad/jobs/mirror-credentials" {
  registries = ["mirror.example.com"]
}

credentials "secret/data/nomad/jobs/git-credentials" {
  sources = ["git.example.com"]
}
