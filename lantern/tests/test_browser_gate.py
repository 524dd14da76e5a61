"""Browser tests never skip silently: a missing Chromium skips with the reason and an
install hint on a developer machine (and the run ends by counting them), fails in CI."""

import sys
from types import SimpleNamespace

import pytest

from lantern.conftest import (
    BROWSER_SKIP_MARK,
    browser_skip_summary,
    in_ci,
    pytest_terminal_summary,
    require_chromium,
)

MISSING = "/nonexistent/lantern-test/chromium"


def test_a_missing_chromium_skips_with_reason_and_install_hint():
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_chromium(MISSING, ci=False)
    message = str(skipped.value)
    assert BROWSER_SKIP_MARK in message and MISSING in message
    assert "apt-get install chromium" in message


def test_a_missing_chromium_in_ci_is_a_failure_not_a_skip():
    with pytest.raises(pytest.fail.Exception) as failed:
        require_chromium(MISSING, ci=True)
    assert "apt-get install chromium" in str(failed.value)


def test_a_present_executable_is_used():
    assert require_chromium(sys.executable, ci=True) == sys.executable


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("", False)])
def test_ci_is_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("CI", value)
    assert in_ci() is expected


def _skip_report(reason: str) -> SimpleNamespace:
    return SimpleNamespace(longrepr=("lantern/x/tests/test_y.py", 1, f"Skipped: {reason}"))


class Reporter:
    def __init__(self, skipped):
        self.stats = {"skipped": skipped}
        self.lines: list[str] = []

    def write_sep(self, sep, title, **markup):
        self.lines.append(title)

    def write_line(self, line, **markup):
        self.lines.append(line)


def test_the_end_of_run_summary_counts_browser_skips_and_says_how_to_install():
    skipped = [_skip_report(f"{BROWSER_SKIP_MARK} at {MISSING}; ...")] * 3
    skipped.append(_skip_report("needs PostgreSQL"))
    reporter = Reporter(skipped)
    pytest_terminal_summary(reporter, 0, None)
    text = "\n".join(reporter.lines)
    assert "3 browser tests SKIPPED" in text
    assert "apt-get install chromium" in text


def test_no_summary_when_no_browser_test_was_skipped():
    assert browser_skip_summary([_skip_report("needs PostgreSQL")]) == []
    reporter = Reporter([])
    pytest_terminal_summary(reporter, 0, None)
    assert reporter.lines == []
