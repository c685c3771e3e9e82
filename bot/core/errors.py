"""Storage failures as the core sees them, without SQLAlchemy types: storage raises
them, the doors answer them."""


class StorageError(Exception):
    """The database failed or is unreachable; the message should be retried later."""


class Conflict(StorageError):
    """A concurrent change won (row version moved, unique key taken): process again."""


class SharedRollback(Conflict):
    """Another message's step failed in the transaction this one shared (group commit,
    storage.db) and rolled it back: nothing of this one was stored; process it again."""


class PoolExhausted(StorageError):
    """Every connection of the pool was busy for longer than its timeout: an outage for
    the request, to be tried again shortly."""
