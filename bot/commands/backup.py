"""`pakn backup [--to DIR] [--keep N]`: a consistent backup while the service runs,
printing the path of the file written; `pakn restore FILE [--force]`: a backup into an
empty database, checked against its manifest, migrated to this version, erasures done
in the replaced database after the backup applied again."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.present.i18n import _

if TYPE_CHECKING:
    from bot.runtime.settings import Settings


def register(commands: Any) -> None:
    make = commands.add_parser("backup", help=_("back up the database and the files in it"))
    make.add_argument("--to", type=Path, help=_("directory (default: PAKN_BACKUP_DIR)"))
    make.add_argument("--keep", type=int, help=_("keep only the N newest backups there"))
    make.set_defaults(run=backup_command)
    load = commands.add_parser("restore", help=_("restore a backup into an empty database"))
    load.add_argument("file", type=Path)
    load.add_argument("--force", action="store_true",
                      help=_("replace a database that holds data (what it holds is lost)"))
    load.set_defaults(run=restore_command)


def backup_command(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.commands.base import fail
    from bot.present.i18n import _
    from bot.runtime.backups import make_backup
    from bot.runtime.maintenance import record_backup
    from bot.spine.dispatch import utcnow
    from storage.backup import BackupError

    if args.keep is not None and args.keep < 1:
        return fail(_("--keep must be at least 1"), 2)
    directory = args.to or settings.backup_dir

    async def run() -> Any:
        written = await make_backup(settings.database_url, directory, utcnow(), args.keep)
        await record_backup(settings, written)
        return written
    try:
        written = asyncio.run(run())
    except BackupError as exc:
        return fail(_("backup failed: {error}").format(error=exc))
    except OSError as exc:
        return fail(_("cannot write to {directory}: {error}").format(directory=directory,
                                                                    error=exc))
    for old in written.removed:
        print(_("Deleted the older backup {file}").format(file=old))
    print(written.path)
    return 0


def restore_command(settings: Settings, args: argparse.Namespace) -> int:
    import asyncio

    from bot.commands.base import fail, migrate
    from bot.present.i18n import _
    from bot.runtime.backups import BackupRefused, restore_backup
    from bot.runtime.maintenance import erase_again
    from storage.backup import BackupError

    try:
        restored = asyncio.run(restore_backup(settings.database_url, args.file, args.force))
    except BackupRefused as refused:
        return fail(refusal_text(refused), 2)
    except BackupError as exc:
        return fail(_("restore failed: {error}").format(error=exc), 2)
    migrate(settings)
    manifest = restored.manifest
    print(_("Restored the backup of {date} ({rows} rows, the counts of its manifest); the "
            "schema is migrated to this version.").format(
        date=manifest["created_at"], rows=sum(manifest["counts"].values())))
    erased = asyncio.run(erase_again(settings, restored.erased_since))
    if erased:
        print(_("Erased again {count} people whose erasure the replaced database recorded "
                "after the backup was taken.").format(count=erased))
    print(_("WARNING: erasures of personal data are recorded in the database itself. Any "
            "person erased after {date} and not listed above is back in this database: "
            "erase them again with `pakn privacy erase` (see the requests you met since "
            "then).").format(date=manifest["created_at"]))
    return 0


def refusal_text(refused: Any) -> str:
    from bot.present.i18n import _
    from bot.runtime.backups import Refusal

    return {
        Refusal.NOT_A_BACKUP: lambda: _("not a backup of this service ({detail})"),
        Refusal.DAMAGED: lambda: _("the backup is damaged: the checksum of {detail} does "
                                   "not match its manifest; nothing was restored"),
        Refusal.OTHER_DATABASE: lambda: _("this is a backup of a {detail} database; set "
                                          "PAKN_DATABASE_URL to one of that kind"),
        Refusal.NOT_EMPTY: lambda: _("the database is not empty ({detail} rows); restore "
                                     "into an empty database, or add --force to replace "
                                     "what it holds"),
        Refusal.COUNTS_DIFFER: lambda: _("the restored rows differ from the manifest "
                                         "(table: expected / found): {detail}"),
    }[refused.reason]().format(detail=refused.detail)
