#!/usr/bin/env bash
# Create .venv (if missing) and install the given requirements file into it, quietly.
# A stamp per requirements file holds a checksum of every requirements*.txt: a fresh clone or
# checkout (new file times, same pins) reuses what is installed; a changed pin reinstalls.
set -euo pipefail
cd "$(dirname "$0")/.."
req="${1:-requirements.txt}"
py="${PYTHON:-}"
if [ -z "$py" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then py="$candidate"; break; fi
  done
fi
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $py"
  "$py" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$req")"
sum="$(.venv/bin/python -c 'import glob, hashlib; print(hashlib.sha256(b"".join(open(p, "rb").read() for p in sorted(glob.glob("requirements*.txt")))).hexdigest())')"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
  echo "==> installing $req"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
  echo "$sum" > "$stamp"
fi
