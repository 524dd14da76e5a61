import os
import shutil
from contextlib import contextmanager
from typing import Any

import pytest

from lantern.testing import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _case_documents_in_tmp(settings, tmp_path_factory):
    """Case documents that any test stores (the authorization matrix included) go to a
    folder of the test run, never into the install's var/ folder."""
    settings.LANTERN_CASE_DOCUMENT_DIR = tmp_path_factory.mktemp("case-documents")


@pytest.fixture(autouse=True)
def _active_language_restored():
    """A request in Spanish (LocaleMiddleware) leaves Spanish active in the worker's thread;
    put back what was active, so the next test is not read in Spanish by accident."""
    from django.utils import translation

    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate_all()


@pytest.fixture(autouse=True)
def _restore_migration_data(request, django_db_blocker):
    """Transactional tests flush every table, including the Lantern taxonomies that a data
    migration created; put them back so later tests on this worker see a migrated database."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in (
        request.fixturenames
    )
    if marker is not None and marker.kwargs.get("transaction"):
        transactional = True
    if transactional:
        from lantern.directory.models import Taxonomy, TaxonomyTerm
        from lantern.directory.profile import ensure_profile_terms

        with django_db_blocker.unblock():
            ensure_profile_terms(Taxonomy, TaxonomyTerm)


# --- Browser tests: Playwright for Python driving Debian's Chromium ----------------------

# LANTERN_CHROMIUM points the browser tests at another Chromium (or, in tests of this gate,
# at one that does not exist).
CHROMIUM = os.environ.get("LANTERN_CHROMIUM") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
# Every browser-test skip carries this text; the end-of-run summary counts it.
BROWSER_SKIP_MARK = "browser test skipped: Chromium not found"
INSTALL_HINT = (
    "install Debian's Chromium (`apt-get install chromium`) or point LANTERN_CHROMIUM at a "
    "Chromium executable"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_chromium(path: str, *, ci: bool) -> str:
    """The Chromium executable, or a skip (on a developer machine) or a failure (in CI)
    naming what is missing and how to install it."""
    found = shutil.which(path)
    if found:
        return found
    if ci:
        pytest.fail(
            f"Chromium not found at {path} and CI=true: browser tests must run; {INSTALL_HINT}"
        )
    pytest.skip(f"{BROWSER_SKIP_MARK} at {path}; {INSTALL_HINT}")


def browser_skip_summary(skipped_reports: list[Any]) -> list[str]:
    """Lines for the end of the run when browser tests were skipped; none otherwise."""
    reasons = [str(getattr(report, "longrepr", "")) for report in skipped_reports]
    count = sum(BROWSER_SKIP_MARK in reason for reason in reasons)
    if not count:
        return []
    return [
        f"{count} browser test{'s' if count != 1 else ''} SKIPPED: Chromium was not found at "
        f"{CHROMIUM}.",
        f"They check real pages in a real browser (quick exit, accessibility, CSP). To run them, "
        f"{INSTALL_HINT}.",
        "In CI (CI=true) a missing Chromium fails the run instead.",
    ]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    lines = browser_skip_summary(terminalreporter.stats.get("skipped", []))
    if lines:
        terminalreporter.write_sep("=", "browser tests skipped", yellow=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line, yellow=True, bold=True)


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium for the session. Outside CI a machine without Chromium skips the
    browser tests (and the run ends by saying so); in CI (CI=true) a missing browser is a
    failure, never a skip."""
    executable = require_chromium(CHROMIUM, ci=in_ci())
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself around it are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# HTMX reports a results refresh cut short by the form's own submit
# (hx-sync="closest form:abort") on the console; that is expected, not an error.
EXPECTED_CONSOLE = {"htmx:sendAbort", "htmx:afterRequest"}


def _console_error(message) -> str | None:
    if message.type != "error":
        return None
    return message.text


@contextmanager
def guarded_page(chromium, live_server, **options):
    """A page in a fresh context that fails the test on any request leaving this machine
    (no third parties, ever) and on console errors (a CSP violation is one)."""
    options.setdefault("locale", "en-US")
    context = chromium.new_context(base_url=live_server.url, **options)
    outside: list[str] = []
    errors: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.set_default_timeout(10_000)

    def on_console(message) -> None:
        text = _console_error(message)
        if text is not None:
            errors.append(text)

    page.on("console", on_console)
    try:
        yield page
    finally:
        context.close()
    if outside:
        pytest.fail(f"requests left the machine: {outside}")
    unexpected = [e for e in errors if e not in EXPECTED_CONSOLE]
    if unexpected:
        pytest.fail(f"console errors: {unexpected}")


@pytest.fixture
def page(chromium, live_server):
    with guarded_page(chromium, live_server) as opened:
        yield opened


@pytest.fixture
def browse(chromium, live_server):
    """Open guarded pages in fresh contexts with any options (locale, JavaScript off ...)."""
    return lambda **options: guarded_page(chromium, live_server, **options)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache: rolled-back rows must not live on in rendered
    directory documents (or rate-limit counters) of the next test."""
    from django.core.cache import cache

    cache.clear()
    yield
