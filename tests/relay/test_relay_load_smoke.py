"""A small run of ``benchmarks/relay_load.py`` (50 sockets): the load script works end to end
and every reply arrives whole through the relay, with as many API events per reply as the
direct client reads. No timing or cost is asserted (benchmarks/ measures, tests do not)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOCKETS = 50
DELTAS = 20


def test_relay_load_script_smoke() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "relay_load.py"), "--json",
         "--sockets", str(SOCKETS), "--deltas", str(DELTAS), "--delay", "0.01", "--timeout", "60"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout)
    relay, direct = result["relay"], result["direct"]
    assert relay["sockets"] == direct["streams"] == SOCKETS
    assert relay["whole_replies"] == SOCKETS
    # message_start, block start, DELTAS deltas, block stop, message_delta, message_stop.
    assert relay["events"] == direct["events"] == SOCKETS * (DELTAS + 5)
    for value in (relay["rss_per_socket"], relay["cpu_per_event_us"], direct["cpu_per_event_us"]):
        assert isinstance(value, float) and value == value  # a number, not NaN
