"""The unit of work: every repository over one session, in one transaction."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from bot.core.errors import Conflict, PoolExhausted, StorageError
from storage.attachments import SqlAttachmentRepository, SqlMetaRepository
from storage.audit import SqlAuditRepository
from storage.cases import SqlCaseRepository
from storage.conversation import SqlDialogRepository, SqlInboundRepository, transcript
from storage.db import Database, undone_by_server
from storage.deadlines import SqlApologyRepository, SqlCalendarRepository, SqlRatingRepository
from storage.directory import DirectoryCache, SqlDirectoryRepository
from storage.dossiers import SqlDossierRepository
from storage.exports import SqlExportRepository
from storage.followers import SqlFollowerRepository
from storage.imports import SqlImportRepository
from storage.indicators import SqlIndicatorRepository
from storage.intakes import SqlIntakeRepository
from storage.limits import SqlRateBuckets
from storage.outbox import SqlOutboxRepository
from storage.people import SqlAccountRepository, SqlInviteRepository
from storage.privacy import SqlPrivacyRepository
from storage.publications import SqlPublicationRepository
from storage.refusals import SqlRefusalRepository
from storage.reviews import SqlReviewRepository
from storage.sender_chats import SqlSenderChatRepository
from storage.surveys import SqlSurveyRepository
from storage.upsert import dialect_name
from storage.web import SqlPublicRepository, SqlWebRepository
from storage.zalo import SqlZaloTokenRepository


def as_core(exc: Exception) -> Exception:
    """A database's failure as the core knows it: a concurrent change (a row's version
    moved, a unique key taken, a transaction the server undid for another's) as
    Conflict, to process the message again; no free connection in time as
    PoolExhausted; any other as StorageError."""
    if isinstance(exc, (StaleDataError, IntegrityError)) or (
            isinstance(exc, DBAPIError) and undone_by_server(exc)):
        return Conflict(str(exc))
    if isinstance(exc, PoolTimeout):
        return PoolExhausted(str(exc))
    return StorageError(str(exc))


class SqlUnitOfWork:
    """The repositories over one session, each built at its first use (a message uses a
    few of them) and kept for the transaction: some hold its state (the outbox's leased
    messages, the dialogs written)."""

    def __init__(self, session: AsyncSession, directory_cache: DirectoryCache) -> None:
        self.session = session
        self.directory_cache = directory_cache

    @cached_property
    def cases(self) -> SqlCaseRepository:
        return SqlCaseRepository(self.session)

    @cached_property
    def followers(self) -> SqlFollowerRepository:
        return SqlFollowerRepository(self.session)

    @cached_property
    def directory(self) -> SqlDirectoryRepository:
        return SqlDirectoryRepository(self.session, self.directory_cache)

    @cached_property
    def accounts(self) -> SqlAccountRepository:
        return SqlAccountRepository(self.session, self.directory, self.dialogs)

    @cached_property
    def invites(self) -> SqlInviteRepository:
        return SqlInviteRepository(self.session)

    @cached_property
    def dialogs(self) -> SqlDialogRepository:
        return SqlDialogRepository(self.session)

    @cached_property
    def inbound(self) -> SqlInboundRepository:
        return SqlInboundRepository(self.session)

    @cached_property
    def outbox(self) -> SqlOutboxRepository:
        return SqlOutboxRepository(self.session)

    @cached_property
    def attachments(self) -> SqlAttachmentRepository:
        return SqlAttachmentRepository(self.session)

    @cached_property
    def meta(self) -> SqlMetaRepository:
        return SqlMetaRepository(self.session)

    @cached_property
    def calendar(self) -> SqlCalendarRepository:
        return SqlCalendarRepository(self.session)

    @cached_property
    def apologies(self) -> SqlApologyRepository:
        return SqlApologyRepository(self.session)

    @cached_property
    def ratings(self) -> SqlRatingRepository:
        return SqlRatingRepository(self.session)

    @cached_property
    def surveys(self) -> SqlSurveyRepository:
        return SqlSurveyRepository(self.session)

    @cached_property
    def privacy(self) -> SqlPrivacyRepository:
        return SqlPrivacyRepository(self.session)

    @cached_property
    def refusals(self) -> SqlRefusalRepository:
        return SqlRefusalRepository(self.session)

    @cached_property
    def indicators(self) -> SqlIndicatorRepository:
        return SqlIndicatorRepository(self.session)

    @cached_property
    def exports(self) -> SqlExportRepository:
        return SqlExportRepository(self.session)

    @cached_property
    def imports(self) -> SqlImportRepository:
        return SqlImportRepository(self.session)

    @cached_property
    def zalo_tokens(self) -> SqlZaloTokenRepository:
        return SqlZaloTokenRepository(self.session)

    @cached_property
    def web(self) -> SqlWebRepository:
        return SqlWebRepository(self.session)

    @cached_property
    def public(self) -> SqlPublicRepository:
        return SqlPublicRepository(self.session)

    @cached_property
    def publications(self) -> SqlPublicationRepository:
        return SqlPublicationRepository(self.session)

    @cached_property
    def dossiers(self) -> SqlDossierRepository:
        return SqlDossierRepository(self.session)

    @cached_property
    def sender_chats(self) -> SqlSenderChatRepository:
        return SqlSenderChatRepository(self.session)

    @cached_property
    def audit(self) -> SqlAuditRepository:
        return SqlAuditRepository(self.session)

    @cached_property
    def reviews(self) -> SqlReviewRepository:
        return SqlReviewRepository(self.session)

    @cached_property
    def limits(self) -> SqlRateBuckets:
        return SqlRateBuckets(self.session)

    @cached_property
    def intakes(self) -> SqlIntakeRepository:
        return SqlIntakeRepository(self.session)

    async def try_lead(self, name: str) -> bool:
        """Whether this transaction may do a job meant for one worker at a time. On
        PostgreSQL a transaction-scoped advisory lock elects it (the others skip their
        round); on SQLite the write lock every transaction takes already does."""
        if dialect_name(self.session) != "postgresql":
            return True
        result = await self.session.execute(
            text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": name})
        return bool(result.scalar_one())

    async def lock(self, name: str) -> None:
        """Hold the lock `name` until the transaction ends, waiting while another
        transaction holds it (a PostgreSQL advisory lock); on SQLite every transaction
        holds the write lock already."""
        if dialect_name(self.session) == "postgresql":
            await self.session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                                       {"name": name})

    async def transcript(self, channel: str, chat_id: str, limit: int) -> list[dict[str, Any]]:
        return await transcript(self.session, channel, chat_id, limit)

    @asynccontextmanager
    async def storage_errors(self) -> AsyncIterator[None]:
        """The database's failures inside the block as the core knows them, as at commit:
        Conflict or StorageError (as_core). For a repository that flushes in the middle
        of a step."""
        try:
            yield
        except (StaleDataError, DBAPIError) as exc:
            raise as_core(exc) from exc

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo what the block wrote if it raises, keeping the rest of the transaction."""
        nested = await self.session.begin_nested()
        # SAVEPOINT now, not at the block's first statement through the session: those
        # run on the driver (storage.prepared) pass the session by and must be inside it.
        await self.session.connection()
        owed, written = self.outbox.mark(), dict(self.dialogs.written)
        try:
            yield
            # Releasing the savepoint flushes and talks to the database: it fails the
            # same ways.
            await nested.commit()
        except (StaleDataError, DBAPIError) as exc:
            raise as_core(exc) from exc
        except BaseException:
            await nested.rollback()
            self.outbox.undo_to(owed)
            self.dialogs.written = written
            raise


class Store:
    """Opens units of work on a database; one per process, shared by all requests."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.directory_cache = DirectoryCache()

    @asynccontextmanager
    async def unit_of_work(self, brief: bool = False,
                           alone: bool = False) -> AsyncIterator[SqlUnitOfWork]:
        """One transaction; database failures come out as Conflict or StorageError.
        `brief`: a message's step, a few small statements, which may share its
        transaction with others unless `alone` (Database.transaction)."""
        try:
            async with self.database.transaction(brief, alone) as session:
                yield SqlUnitOfWork(session, self.directory_cache)
        except (StaleDataError, PoolTimeout, DBAPIError, OSError) as exc:
            raise as_core(exc) from exc

    @asynccontextmanager
    async def export_rows(self) -> AsyncIterator[SqlExportRepository]:
        """Rows for an export, on a session of their own, apart from any unit of work
        (this process's writers do not wait on it; on SQLite its transaction still
        holds the database's lock while it lasts, so exports are written to a file at
        the database's pace, never at a client's)."""
        async with self.database.reading() as session:
            yield SqlExportRepository(session)

    @asynccontextmanager
    async def outbox_queue(self, brief: bool = False,
                           alone: bool = False) -> AsyncIterator[SqlOutboxRepository]:
        async with self.unit_of_work(brief, alone) as uow:
            yield uow.outbox
