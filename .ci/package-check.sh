#!/usr/bin/env bash
# The operators' route, end to end (issue 10): build the .deb with cargo-deb, install it with
# dpkg beside whatever NTP daemon is installed, check what it put where (binary, man pages, unit,
# completions loading in bash/zsh/fish, example config), `systemd-analyze verify` the installed
# unit, remove and purge it and check it is gone; then run the `ntpcheck-system` pre-commit hook
# from a fresh clone of this repository on a clean and on a broken configuration.
# Run by .ci/run; can be run alone (as root, on a throwaway machine: it installs packages).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)
CARGO_DEB_VERSION=3.8.0
PRE_COMMIT_VERSION=4.7.0
PKG=ntpcheck
fail() { echo "package-check: FAIL: $*" >&2; exit 1; }
step() { echo "package-check: $* ($(( $(date +%s) - t0 )) s)"; }

# --- tools --------------------------------------------------------------------------------
need=""
command -v zsh >/dev/null 2>&1 || need="$need zsh"
command -v fish >/dev/null 2>&1 || need="$need fish"
command -v man >/dev/null 2>&1 || need="$need man-db"
command -v systemd-analyze >/dev/null 2>&1 || need="$need systemd"
command -v git >/dev/null 2>&1 || need="$need git"
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need="$need python3-venv"
if [ -n "$need" ]; then
  [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends $need >/dev/null
fi
if ! cargo deb --version 2>/dev/null | grep -qF "$CARGO_DEB_VERSION"; then
  cargo install cargo-deb --locked --version "$CARGO_DEB_VERSION" --quiet
fi
step "tools ready"

# --- build --------------------------------------------------------------------------------
deb=$(bash dist/build-deb.sh | tail -n 1)
[ -f "$deb" ] || fail "dist/build-deb.sh made no .deb"
target=${CARGO_TARGET_DIR:-target}
built="$target/release/ntpcheck"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
step "built $deb"
# It must not ship what the daemons' packages own.
if dpkg-deb -c "$deb" | awk '{print $6}' | grep -E '^\./etc/(ntp\.conf|ntpsec/|chrony/)|^\./usr/sbin/ntpd$'; then
  fail "the package ships a file of ntp/ntpsec/chrony"
fi

# --- install ------------------------------------------------------------------------------
ntpconf_before=$( { [ -e /etc/ntp.conf ] && sha256sum /etc/ntp.conf; } || echo absent)
cleanup() { dpkg --purge "$PKG" >/dev/null 2>&1 || true; }
trap cleanup EXIT
dpkg -i "$deb" >/dev/null
dpkg -s "$PKG" | grep '^Status: install ok installed' >/dev/null || fail "dpkg -i did not install $PKG"
step "installed"

unit=/usr/lib/systemd/system/ntpcheck.service
files=(
  /usr/bin/ntpcheck
  "$unit"
  /usr/share/bash-completion/completions/ntpcheck
  /usr/share/zsh/vendor-completions/_ntpcheck
  /usr/share/fish/vendor_completions.d/ntpcheck.fish
  /usr/share/doc/ntpcheck/examples/ntp.conf
  /usr/share/doc/ntpcheck/copyright
  /usr/share/doc/ntpcheck/changelog.gz
  /usr/share/doc/ntpcheck/systemd.md
  /usr/share/man/man1/ntpcheck.1.gz
  /usr/share/man/man1/ntpcheck-check.1.gz
  /usr/share/man/man1/ntpcheck-serve.1.gz
  /etc/default/ntpcheck
)
listed=$(dpkg -L "$PKG")
for f in "${files[@]}"; do
  [ -f "$f" ] || fail "$f is not installed"
  grep -qxF "$f" <<<"$listed" || fail "$f is not in dpkg -L $PKG"
done

installed=$(/usr/bin/ntpcheck --version) || fail "installed ntpcheck --version"
[ "$installed" = "ntpcheck $version" ] || fail "installed ntpcheck --version says '$installed'"
[ "$(man -w ntpcheck)" = /usr/share/man/man1/ntpcheck.1.gz ] || fail "man -w ntpcheck: $(man -w ntpcheck 2>&1)"
for sub in check parse rules rule serve status completions; do
  man -w "ntpcheck-$sub" >/dev/null || fail "no man page ntpcheck-$sub(1)"
done
MANWIDTH=100 man ntpcheck-check 2>/dev/null | grep -- '--stdin-filename' >/dev/null || fail "ntpcheck-check(1) does not render"

# The unit: installed, neither enabled nor started, and it verifies (ExecStart must exist, so
# this runs between install and removal; systemd need not be running).
grep -qx 'Type=notify' "$unit" || fail "the unit is not Type=notify"
state=$(systemctl is-enabled ntpcheck.service 2>/dev/null || true)
[ "$state" = disabled ] || fail "installing enabled the unit (is-enabled: $state)"
ls /etc/systemd/system/*.wants/ntpcheck.service >/dev/null 2>&1 && fail "installing enabled the unit (a .wants link exists)"
if [ -d /run/systemd/system ]; then
  systemctl is-active --quiet ntpcheck.service && fail "installing started the unit"
fi
verify=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $verify"
if grep -q 'ntpcheck' <<<"$verify"; then fail "systemd-analyze verify: $verify"; fi
# For the record: systemd's exposure score of the installed unit (lower is better).
systemd-analyze security --offline=true "$unit" 2>/dev/null | tail -n 1 || true
step "unit verified"

# Completions load in each shell and complete a subcommand.
out=$(bash --norc --noprofile -c 'set -e; source /usr/share/bash-completion/completions/ntpcheck
  COMP_WORDS=(ntpcheck ch); COMP_CWORD=1; _ntpcheck ntpcheck ch ntpcheck; echo "${COMPREPLY[*]}"' 2>&1) || fail "bash completion: $out"
[ "$out" = check ] || fail "bash completion of 'ntpcheck ch': $out"
out=$(zsh -f -c 'autoload -Uz compinit; compinit -u -D; source /usr/share/zsh/vendor-completions/_ntpcheck; print -r -- ${_comps[ntpcheck]}' 2>&1) || fail "zsh completion: $out"
[ "$out" = _ntpcheck ] || fail "zsh completion: $out"
out=$(fish --no-config -c 'source /usr/share/fish/vendor_completions.d/ntpcheck.fish; and complete -C "ntpcheck ch"' 2>&1) || fail "fish completion: $out"
grep -q '^check' <<<"$out" || fail "fish completion of 'ntpcheck ch': $out"

# The example configuration is clean as shipped.
/usr/bin/ntpcheck check /usr/share/doc/ntpcheck/examples/ntp.conf >/dev/null || fail "the example config has findings"
step "files, man pages, completions and example checked"

# --- remove and purge -----------------------------------------------------------------------
dpkg -r "$PKG" >/dev/null
[ -e /usr/bin/ntpcheck ] && fail "dpkg -r left /usr/bin/ntpcheck"
[ -e "$unit" ] && fail "dpkg -r left the unit"
dpkg --purge "$PKG" >/dev/null
trap - EXIT
if dpkg -s "$PKG" >/dev/null 2>&1; then fail "$PKG still known to dpkg after --purge"; fi
for f in "${files[@]}"; do [ -e "$f" ] && fail "--purge left $f"; done
[ -d /usr/share/doc/ntpcheck ] && fail "--purge left /usr/share/doc/ntpcheck"
find /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-user-helper-enabled -name '*ntpcheck*' 2>/dev/null | grep . && fail "deb-systemd-helper state left behind"
ntpconf_after=$( { [ -e /etc/ntp.conf ] && sha256sum /etc/ntp.conf; } || echo absent)
[ "$ntpconf_before" = "$ntpconf_after" ] || fail "/etc/ntp.conf changed"
step "removed and purged cleanly"

# --- pre-commit -----------------------------------------------------------------------------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
venv=/opt/ntpcheck-ci/pre-commit-$PRE_COMMIT_VERSION
if [ ! -x "$venv/bin/pre-commit" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "pre-commit==$PRE_COMMIT_VERSION"
fi
"$venv/bin/pre-commit" validate-manifest .pre-commit-hooks.yaml || fail ".pre-commit-hooks.yaml is not a valid manifest"
# try-repo uses the hooks file as committed: take them from a fresh clone.
git clone -q "$PWD" "$work/ntpcheck"
git -C "$work/ntpcheck" show HEAD:.pre-commit-hooks.yaml >/dev/null || fail ".pre-commit-hooks.yaml is not committed"
export PATH="$(cd "$(dirname "$built")" && pwd):$PATH" PRE_COMMIT_HOME="$work/cache"
[ "$(command -v ntpcheck)" != /usr/bin/ntpcheck ] || fail "the built ntpcheck is not first on PATH"
repo="$work/host-configs"
mkdir -p "$repo/etc/ntpsec/ntp.d" "$repo/broken/ntp.d"
cp dist/ntp.conf.example "$repo/etc/ntp.conf"
printf 'server 192.0.2.1 iburst\n' > "$repo/etc/ntpsec/ntp.d/10-local.conf"
printf '1 SHA1 0123456789abcdef0123456789abcdef01234567\n' > "$repo/etc/ntp.keys"
printf 'restrict default nomodify notrap nopeer noquery\nserver 192.0.2.1 iburts\n' > "$repo/broken/ntp.conf"
printf 'server 192.0.2.2 prefer bogus\n' > "$repo/broken/ntp.d/20-extra.conf"
printf '1 X secret\n' > "$repo/broken/ntp.keys"
printf 'not checked: the hook only takes ntp.conf, ntp.d/*.conf and ntp.keys\n' > "$repo/README"
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" -c user.name=ci -c user.email=ci@localhost commit -q -m configs
clean="etc/ntp.conf etc/ntpsec/ntp.d/10-local.conf etc/ntp.keys README"
(cd "$repo" && "$venv/bin/pre-commit" try-repo "$work/ntpcheck" ntpcheck-system --files $clean) > "$work/clean.log" 2>&1 \
  || { cat "$work/clean.log"; fail "pre-commit ntpcheck-system failed on clean configs"; }
grep -q 'Passed' "$work/clean.log" || { cat "$work/clean.log"; fail "pre-commit ran no ntpcheck hook"; }
if (cd "$repo" && "$venv/bin/pre-commit" try-repo "$work/ntpcheck" ntpcheck-system \
      --files broken/ntp.conf broken/ntp.d/20-extra.conf broken/ntp.keys) > "$work/broken.log" 2>&1; then
  cat "$work/broken.log"; fail "pre-commit ntpcheck-system passed a broken config"
fi
grep -q 'Failed' "$work/broken.log" || { cat "$work/broken.log"; fail "pre-commit did not report the hook as failed"; }
for want in 'NTP001' 'iburts' 'bogus' 'NTP125' 'broken/ntp.conf' 'broken/ntp.d/20-extra.conf' 'broken/ntp.keys'; do
  grep -qF -- "$want" "$work/broken.log" || { cat "$work/broken.log"; fail "pre-commit output lacks '$want'"; }
done
step "pre-commit hook passes clean configs, fails broken ones with NTP001/NTP125"

# --- the documented GitHub Actions workflow ------------------------------------------------
# Run its shell steps, as the runner would, on the same repository (clean and broken files).
"$venv/bin/python" - docs/examples/ntpcheck.yml "$work/steps" <<'PY'
import os, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
steps = {s.get("id"): s for s in wf["jobs"]["ntpcheck"]["steps"]}
assert "security-events" in wf["permissions"], "upload-sarif needs security-events: write"
uses = [s["uses"] for s in steps.values() if "uses" in s]
assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses), uses
os.makedirs(sys.argv[2])
for sid in ("files", "check", "sarif"):
    open(os.path.join(sys.argv[2], sid + ".sh"), "w").write(steps[sid]["run"])
PY
runner=( env RUNNER_TEMP="$work" GITHUB_OUTPUT="$work/github-output" bash -e )
(cd "$repo" && "${runner[@]}" "$work/steps/files.sh") || fail "workflow step files"
grep -qx 'found=true' "$work/github-output" || fail "workflow found no configurations"
if (cd "$repo" && "${runner[@]}" "$work/steps/check.sh") > "$work/annotations" 2>&1; then
  fail "workflow step check passed broken configs"
fi
grep -E '^::error file=broken/ntp\.conf,line=2,col=18,.*title=NTP001 unknown-keyword::' "$work/annotations" >/dev/null \
  || { cat "$work/annotations"; fail "no NTP001 annotation for broken/ntp.conf"; }
grep -E '^::error file=broken/ntp\.keys,line=1,.*title=NTP125' "$work/annotations" >/dev/null \
  || { cat "$work/annotations"; fail "no NTP125 annotation for broken/ntp.keys"; }
(cd "$repo" && "${runner[@]}" "$work/steps/sarif.sh") || fail "workflow step sarif failed"
"$venv/bin/python" - "$repo/ntpcheck.sarif" <<'PY' || fail "ntpcheck.sarif is not what upload-sarif takes"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == "2.1.0", d["version"]
run = d["runs"][0]
rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
res = [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]]
assert ("NTP001", "broken/ntp.conf") in res and ("NTP125", "broken/ntp.keys") in res, res
assert all(rid in rules for rid, _ in res), "a result names a rule the driver does not list"
assert not any(uri.startswith("etc/") and rid < "NTP2" for rid, uri in res), res
PY
step "the GitHub Actions workflow annotates and writes SARIF"
echo "package-check: OK in $(( $(date +%s) - t0 )) s"
