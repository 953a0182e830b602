//! The typed Nomad API job model and the HCL jobspec decoder.

pub mod jobspec;
pub mod model;
