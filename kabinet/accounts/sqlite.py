"""Unicode-aware LOWER() for SQLite.

SQLite's built-in lower() folds ASCII only, so on the demo database "Иван" and
"иван" would pass the case-insensitive unique constraints on logins and e-mails
(`UniqueConstraint(Lower("username"))`). PostgreSQL folds Unicode already. This
registers a deterministic Python lower() on every SQLite connection, so the same
constraints and `Lower(...)` lookups behave alike on both databases.
"""


def _lower(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).lower()


def register_unicode_lower(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("lower", 1, _lower, deterministic=True)
