#!/usr/bin/env bash
# Print the path of a Python interpreter of the wanted minor version (e.g. 3.10),
# looking on PATH first, then in pyenv. Exit 1 with advice when there is none.
set -euo pipefail
want="$1"
for candidate in "python$want" "$(command -v pyenv >/dev/null 2>&1 && pyenv prefix "$want" 2>/dev/null | head -n1)/bin/python$want"; do
  [ -n "$candidate" ] || continue
  if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$want'.split('.')))" 2>/dev/null; then
    echo "$path"
    exit 0
  fi
done
# pyenv keeps every version under its root even when it is not the active one.
for root in "${PYENV_ROOT:-$HOME/.pyenv}/versions"/"$want".*; do
  if [ -x "$root/bin/python$want" ]; then echo "$root/bin/python$want"; exit 0; fi
done
cat >&2 <<MSG
Python $want was not found (neither python$want on PATH nor in pyenv).
Install it, for example:
  pyenv install $want        # with pyenv (https://github.com/pyenv/pyenv)
  apt-get install python$want python$want-venv   # Debian/Ubuntu with that version packaged
Then run the make command again, or point PY${want/./}=/path/to/python$want at it.
MSG
exit 1
