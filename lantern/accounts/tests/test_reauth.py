"""The re-authentication check lives outside the views, so APIs need not import pages."""

import ast
import time
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory

from lantern.accounts.reauth import REAUTH_SESSION_KEY, recently_reauthenticated

LANTERN = Path(__file__).resolve().parents[2]


def _request(session: dict[str, int]):
    request = RequestFactory().get("/")
    request.session = session  # type: ignore[assignment]
    return request


def test_a_session_is_recently_reauthenticated_only_within_the_window():
    now = int(time.time())
    assert recently_reauthenticated(_request({REAUTH_SESSION_KEY: now}))
    stale = now - settings.LANTERN_REAUTH_SECONDS - 1
    assert not recently_reauthenticated(_request({REAUTH_SESSION_KEY: stale}))
    assert not recently_reauthenticated(_request({}))


def test_no_module_but_url_confs_imports_the_account_views():
    importers = []
    for path in LANTERN.rglob("*.py"):
        if "tests" in path.parts or path.name == "urls.py":
            continue
        if path.parts[-2:] == ("accounts", "views.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            if "lantern.accounts.views" in names:
                importers.append(str(path.relative_to(LANTERN)))
    assert importers == []
