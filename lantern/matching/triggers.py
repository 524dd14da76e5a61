"""Database triggers that keep `match_entry.open_updated` (see the model) in step with
`service_capacity`, on PostgreSQL and SQLite.

`open_updated` is the newest `updated` among a service's capacities with `available > 0`,
NULL when none is open. The SQL ranking derives the availability bucket from it (fresh and
open: newer than the fresh cut-off; aging and open: not older than the stale cut-off),
which is exactly `bool_or(available > 0 AND updated > cut-off)` over the capacities,
without a probe into `service_capacity` for every eligible service.

Every write path changes capacities in SQL (model saves, `queryset.update` for holds, bulk
imports), so triggers keep the value, in the writing transaction; no application code can
forget it. On PostgreSQL the trigger locks the entry row first and recomputes in a second
statement: under READ COMMITTED that statement's snapshot is taken after the lock, so it
sees every capacity change committed by a writer that held the lock before (one UPDATE
would recompute from the snapshot it started with and could lose a concurrent change).
SQLite has one writer at a time.

Migration `matching.0006` installs them; `ensure()` (after every `migrate`) puts them back
if a later migration rebuilt the table without them (SQLite drops a table's triggers when
Django remakes it to alter a column), and refreshes every entry when it had to.
"""

from typing import Any

PG_CREATE = """
CREATE OR REPLACE FUNCTION match_entry_refresh_open(sid uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM match_entry WHERE service_id = sid FOR UPDATE;
    UPDATE match_entry SET open_updated = (
        SELECT max(c.updated) FROM service_capacity AS c
        WHERE c.service_id = sid AND c.available > 0
    ) WHERE service_id = sid;
END $$;

CREATE OR REPLACE FUNCTION match_entry_capacity_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM match_entry_refresh_open(NEW.service_id);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM match_entry_refresh_open(OLD.service_id);
    ELSIF NEW.service_id IS DISTINCT FROM OLD.service_id THEN
        PERFORM match_entry_refresh_open(OLD.service_id);
        PERFORM match_entry_refresh_open(NEW.service_id);
    ELSIF NEW.available IS DISTINCT FROM OLD.available
        OR NEW.updated IS DISTINCT FROM OLD.updated THEN
        PERFORM match_entry_refresh_open(NEW.service_id);
    END IF;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS match_entry_capacity_changed ON service_capacity;
CREATE TRIGGER match_entry_capacity_changed
    AFTER INSERT OR UPDATE OR DELETE ON service_capacity
    FOR EACH ROW EXECUTE FUNCTION match_entry_capacity_changed();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS match_entry_capacity_changed ON service_capacity;
DROP FUNCTION IF EXISTS match_entry_capacity_changed();
DROP FUNCTION IF EXISTS match_entry_refresh_open(uuid);
"""

_SQLITE_REFRESH = """
    UPDATE match_entry SET open_updated = (
        SELECT max(c.updated) FROM service_capacity AS c
        WHERE c.service_id = {ref}.service_id AND c.available > 0
    ) WHERE service_id = {ref}.service_id;
"""
SQLITE_CREATE = [
    "CREATE TRIGGER IF NOT EXISTS match_entry_capacity_inserted AFTER INSERT ON"
    f" service_capacity BEGIN {_SQLITE_REFRESH.format(ref='NEW')} END",
    "CREATE TRIGGER IF NOT EXISTS match_entry_capacity_deleted AFTER DELETE ON"
    f" service_capacity BEGIN {_SQLITE_REFRESH.format(ref='OLD')} END",
    "CREATE TRIGGER IF NOT EXISTS match_entry_capacity_updated AFTER UPDATE OF"
    " service_id, available, updated ON service_capacity BEGIN"
    f" {_SQLITE_REFRESH.format(ref='OLD')} {_SQLITE_REFRESH.format(ref='NEW')} END",
]
SQLITE_TRIGGERS = (
    "match_entry_capacity_inserted",
    "match_entry_capacity_deleted",
    "match_entry_capacity_updated",
)

BACKFILL = """
UPDATE match_entry SET open_updated = (
    SELECT max(c.updated) FROM service_capacity AS c
    WHERE c.service_id = match_entry.service_id AND c.available > 0
)
"""


def installed(connection: Any) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'match_entry_capacity_changed'"
                " AND tgrelid = 'service_capacity'::regclass"
            )
            return bool(cursor.fetchone()[0] == 1)
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
            " AND tbl_name = 'service_capacity' AND name IN (%s, %s, %s)",
            list(SQLITE_TRIGGERS),
        )
        return bool(cursor.fetchone()[0] == len(SQLITE_TRIGGERS))


def install(connection: Any) -> None:
    """Create (or replace) the triggers, then recompute every entry's value."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_CREATE)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_CREATE:
                cursor.execute(statement)
        else:  # pragma: no cover - Lantern runs on PostgreSQL and SQLite only
            raise RuntimeError(f"no capacity triggers for {connection.vendor}")
        cursor.execute(BACKFILL)


def drop(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_DROP)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def ensure(connection: Any) -> bool:
    """Install the triggers if they are missing (and the column exists: not after a
    migration back to before it); True when it had to."""
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, "match_entry")
    if "open_updated" not in {column.name for column in columns} or installed(connection):
        return False
    install(connection)
    return True
