//! assoc (in progress).
