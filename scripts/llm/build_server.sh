#!/usr/bin/env bash
# Builds llama-cpp-python's OpenAI-compatible server into its own venv (.venv-llm).
# The compiled wheel is cached outside the repo, so only the first run compiles (3-14 min on 2 cores).
set -euo pipefail

VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
PYTHON="${PYTHON:-python3}"
VENV="${LLM_VENV:-.venv-llm}"
CACHE="${INTERVIEWBOT_CACHE:-$HOME/.cache/interviewbot}"
WHEELS="$CACHE/wheels/$(uname -m)"
STAMP="$VENV/.installed-$VERSION"

if [ -f "$STAMP" ]; then
    exit 0
fi
mkdir -p "$WHEELS"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip

if ! ls "$WHEELS"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
    echo "Compiling llama-cpp-python $VERSION (one time; the wheel is cached in $WHEELS)..." >&2
    # Examples, tests and the standalone tools are not needed by the Python server.
    CMAKE_ARGS="${CMAKE_ARGS:--DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_CURL=OFF}" \
    CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
        "$VENV/bin/python" -m pip wheel --disable-pip-version-check --no-deps \
        -w "$WHEELS" "llama-cpp-python==$VERSION"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --find-links "$WHEELS" "llama-cpp-python[server]==$VERSION"
touch "$STAMP"
echo "llama-cpp-python $VERSION server ready in $VENV" >&2
