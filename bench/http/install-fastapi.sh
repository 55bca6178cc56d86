#!/usr/bin/env bash
# Installs the Debian packages used by the FastAPI + uvicorn comparison server
# (bench/http/fastapi_app.py). They are run with /usr/bin/python3 (the system
# interpreter), not any pyenv/virtualenv python3 that may be first on PATH.
set -euo pipefail

PKGS=(python3-fastapi python3-uvicorn python3-uvloop python3-httptools)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y "${PKGS[@]}"

/usr/bin/python3 -c 'import fastapi, uvicorn, uvloop, httptools; print("fastapi", fastapi.__version__, "uvicorn", uvicorn.__version__)'
