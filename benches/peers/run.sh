#!/usr/bin/env bash
# Run the peer baselines: create benches/peers/.venv on first use, install the
# pinned requirements, then exec peers.py with all arguments.
# Once installed, later runs do not touch the network (pip runs again only
# when requirements.txt changes).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PEERS_PYTHON:-python3}"

want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ]; then
    echo "[peers] creating $venv" >&2
    "$python" -m venv "$venv" >&2
fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "[peers] installing pinned requirements" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
    echo "$want" > "$stamp"
fi
exec "$venv/bin/python" "$here/peers.py" "$@"
