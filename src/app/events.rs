//! What a cluster run reports while it goes, and what it returns: typed events for an
//! [`Observer`] (the command line's terminal observer words them and owns the live status
//! line; the MCP server folds them into a run's status), and the typed [`Report`].
//!
//! The definitions live beside the phase runner that emits them ([`crate::cluster::wait`]),
//! so that the arrows point one way: `app` uses `cluster`, never the reverse.

pub use crate::cluster::wait::{
    Blocked, Note, Observer, Outcome, Progress, Report, TaskRef, TaskRow, TaskStatus,
};
