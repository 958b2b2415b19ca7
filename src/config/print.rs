//! Canonical printer: model → ntp.conf text. (Being written.)
