"""The unit of work: every repository over one session, in one transaction."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from storage.attachments import SqlAttachmentRepository, SqlMetaRepository
from storage.audit import SqlAuditRepository
from storage.cases import SqlCaseRepository
from storage.conversation import SqlDialogRepository, SqlInboundRepository, transcript
from storage.db import Database
from storage.deadlines import SqlApologyRepository, SqlCalendarRepository, SqlRatingRepository
from storage.directory import DirectoryCache, SqlDirectoryRepository
from storage.dossiers import SqlDossierRepository
from storage.errors import Conflict, PoolExhausted, StorageError
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


class SqlUnitOfWork:
    def __init__(self, session: AsyncSession, directory_cache: DirectoryCache) -> None:
        self.session = session
        self.cases = SqlCaseRepository(session)
        self.followers = SqlFollowerRepository(session)
        self.directory = SqlDirectoryRepository(session, directory_cache)
        self.accounts = SqlAccountRepository(session)
        self.invites = SqlInviteRepository(session)
        self.dialogs = SqlDialogRepository(session)
        self.inbound = SqlInboundRepository(session)
        self.outbox = SqlOutboxRepository(session)
        self.attachments = SqlAttachmentRepository(session)
        self.meta = SqlMetaRepository(session)
        self.calendar = SqlCalendarRepository(session)
        self.apologies = SqlApologyRepository(session)
        self.ratings = SqlRatingRepository(session)
        self.surveys = SqlSurveyRepository(session)
        self.privacy = SqlPrivacyRepository(session)
        self.refusals = SqlRefusalRepository(session)
        self.indicators = SqlIndicatorRepository(session)
        self.exports = SqlExportRepository(session)
        self.imports = SqlImportRepository(session)
        self.zalo_tokens = SqlZaloTokenRepository(session)
        self.web = SqlWebRepository(session)
        self.public = SqlPublicRepository(session)
        self.publications = SqlPublicationRepository(session)
        self.dossiers = SqlDossierRepository(session)
        self.sender_chats = SqlSenderChatRepository(session)
        self.audit = SqlAuditRepository(session)
        self.reviews = SqlReviewRepository(session)
        self.limits = SqlRateBuckets(session)
        self.intakes = SqlIntakeRepository(session)

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
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo what the block wrote if it raises, keeping the rest of the transaction."""
        nested = await self.session.begin_nested()
        owed, written = self.outbox.mark(), dict(self.dialogs.written)
        try:
            yield
            # Releasing the savepoint flushes and talks to the database: it fails the
            # same ways.
            await nested.commit()
        except (StaleDataError, IntegrityError) as exc:
            raise Conflict(str(exc)) from exc
        except DBAPIError as exc:
            raise StorageError(str(exc)) from exc
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
    async def unit_of_work(self) -> AsyncIterator[SqlUnitOfWork]:
        """One transaction; database failures come out as Conflict or StorageError."""
        try:
            async with self.database.transaction() as session:
                yield SqlUnitOfWork(session, self.directory_cache)
        except (StaleDataError, IntegrityError) as exc:
            raise Conflict(str(exc)) from exc
        except PoolTimeout as exc:
            raise PoolExhausted(str(exc)) from exc
        except (DBAPIError, OSError) as exc:
            raise StorageError(str(exc)) from exc

    @asynccontextmanager
    async def export_rows(self) -> AsyncIterator[SqlExportRepository]:
        """Rows for an export, on a session of their own, apart from any unit of work
        (this process's writers do not wait on it; on SQLite its transaction still
        holds the database's lock while it lasts, so exports are written to a file at
        the database's pace, never at a client's)."""
        async with self.database.reading() as session:
            yield SqlExportRepository(session)

    @asynccontextmanager
    async def outbox_queue(self) -> AsyncIterator[SqlOutboxRepository]:
        async with self.unit_of_work() as uow:
            yield uow.outbox
