//! select (in progress).
