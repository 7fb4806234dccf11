#!/usr/bin/env bash
# Say clearly what is missing from this machine and how to get it, before a
# long install fails half-way with a cryptic error.
set -u
missing=0
need() {  # need <what> <test command> <how to get it>
  if ! eval "$2" >/dev/null 2>&1; then
    echo "Missing: $1"
    echo "  Fix: $3"
    missing=1
  fi
}
need "Python 3.11 (the app's environment)" "scripts/find_python.sh 3.11" "pyenv install 3.11  (or apt-get install python3.11 python3.11-venv)"
need "Python 3.10 (Rasa 3.6 supports nothing newer)" "scripts/find_python.sh 3.10" "pyenv install 3.10  (or apt-get install python3.10 python3.10-venv)"
need "a C compiler (some wheels build from source)" "command -v cc" "apt-get install build-essential"
need "free disk space (Rasa's environment takes about 3 GB)" "[ \$(df -Pk . | awk 'NR==2{print \$4}') -gt 4000000 ]" "free at least 4 GB here"
if [ $missing -ne 0 ]; then
  echo
  echo "Install what is listed above, then run the same make command again."
  exit 1
fi
