"""LANTERN_TRAVEL_RADIUS_KM is read once at start-up: a bad value stops it with a message
that names the setting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[3]  # where `import lantern` works


def _start(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LANTERN_TRAVEL_RADIUS_KM"}
    if value is not None:
        env["LANTERN_TRAVEL_RADIUS_KM"] = value
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from lantern import settings; print(settings.LANTERN_TRAVEL_RADIUS_KM)",
        ],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_travel_radius_defaults_to_80_km_and_can_be_set():
    assert _start(None).stdout.strip().splitlines()[-1] == "80"
    assert _start("120").stdout.strip().splitlines()[-1] == "120"


@pytest.mark.parametrize("value", ["0", "-5", "25000", "far", "12.5"])
def test_a_bad_travel_radius_stops_start_up_naming_the_setting(value):
    started = _start(value)
    assert started.returncode != 0
    assert "LANTERN_TRAVEL_RADIUS_KM must be" in started.stderr
