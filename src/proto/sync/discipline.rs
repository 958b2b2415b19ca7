//! discipline (in progress).
