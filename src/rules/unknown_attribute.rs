//! `unknown-attribute`: checked in another stage; this file holds its declaration and docs.

declare_rule! {
    /// ## What it checks
    ///
    /// That every attribute is one its block defines (the top level holds only blocks); the help
    /// line names the closest valid name and lists the others. Checked by the loader, which decodes
    /// every block against the JSON Schema of the model (`nomad-build schema`).
    ///
    /// ## Why it matters
    ///
    /// A misspelt attribute would otherwise be ignored and its default used instead, silently:
    /// `timout = "2h"` would leave the build with no time limit. Nomad's own JSON decoding ignores
    /// unknown keys the same way (Go's `encoding/json`, `decodeBody` in Nomad's
    /// `command/agent/http.go`), so nomad-build refuses them at the source.
    ///
    /// ## Example
    ///
    /// ```hcl
    /// pipeline "app" {
    ///   image {
    ///     repository = "registry.example.com/acme/app"
    ///   }
    ///   build {
    ///     timout = "2h"
    ///   }
    /// }
    /// ```
    UnknownAttribute {
        id: "unknown-attribute",
        severity: Error,
        summary: "an attribute name that `build.hcl` does not define",
    }
}
