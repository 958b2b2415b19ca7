#!/usr/bin/env bash
# Build the Debian package: the release binary, the assets generated from it (man pages, shell
# completions) in target/release/assets/, then `cargo deb --no-build`. Prints the .deb's path.
# Needs cargo-deb (`cargo install cargo-deb --locked`). Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build --release --locked --bin ntpcheck >&2
bin="$target/release/ntpcheck"
assets="$target/release/assets"
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"
"$bin" manpages "$assets/man" >/dev/null
gzip -9n "$assets"/man/*.1  # Debian policy: compressed man pages (cargo-deb leaves built assets as they are)
"$bin" completions bash > "$assets/completions/ntpcheck"
"$bin" completions zsh > "$assets/completions/_ntpcheck"
"$bin" completions fish > "$assets/completions/ntpcheck.fish"
# cargo-deb maps the `target/release/` prefix of an asset path to the real target directory.
cargo deb --no-build --locked --output "$target/debian/" >&2
ls -t "$target"/debian/ntpcheck_*.deb | head -n 1
