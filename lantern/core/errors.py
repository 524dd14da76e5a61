"""Domain errors that every layer understands.

Services and selectors raise these instead of HTTP exceptions, so the same code serves pages,
the API, the CLI and the admin. Views and API handlers turn them into responses in one place:
`NotFound` is a 404 for both "does not exist" and "not allowed" (the caller cannot tell them
apart).
"""


class NotFound(Exception):
    """The object does not exist, or the caller may not know that it does."""
