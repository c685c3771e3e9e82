"""A province-scale history for the benchmarks: a generated directory (units, fields,
procedures), survey ratings (most verified by a dossier code), PAKN and the ratings of
their handling, the one-stop system's dossiers with their apologies, inserted in bulk
(executemany on SQLite, COPY on PostgreSQL) into a database migrated by our Alembic
migrations.

Generating takes a few minutes, so the databases are kept and reused: SQLite files in
benchmarks/.data/ and PostgreSQL databases named bench_history_<key> on the local server,
where the key hashes the generator's parameters and the migrations' text (so an edited
migration, not only a new one, makes them again). A database of another key (an older
schema or generator) is deleted when a new one is made. The server is
benchmarks.common's (BENCH_POSTGRES_URL, else PAKN_TEST_POSTGRES_URL, else the local
one); an unreachable server leaves PostgreSQL out.
"""

import asyncio
import hashlib
import json
import random
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from benchmarks.common import postgres_server
from bot.app import bundled_directory_text
from complaints.directory import (
    Area,
    Directory,
    Name,
    Procedure,
    RoutingRule,
    Unit,
    UnitKind,
)
from complaints.directory_file import parse_directory
from storage.db import Database
from storage.migrate import MIGRATIONS, alembic_config, upgrade
from storage.models import AccountRow, Meta
from storage.uow import Store

DATA = Path(__file__).resolve().parent / ".data"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
GENERATOR_VERSION = 2
"""Raise when the generated rows change, so cached databases are made again."""
MARKER = "benchmark_history"
"""Meta key written last: a database without it was left half-made."""
CHUNK = 50_000


@dataclass(frozen=True)
class Spec:
    ratings: int = 1_000_000
    verified: float = 0.7
    """Share of the ratings given through a dossier's link or code, so verified."""
    cases: int = 200_000
    dossiers: int = 1_000_000
    first_year: int = 2023
    years: int = 3
    units: int = 100
    fields: int = 15
    seed: int = 741

    @property
    def last_year(self) -> int:
        return self.first_year + self.years - 1

    @property
    def now(self) -> datetime:
        """When the history is read: two weeks after its last day."""
        return datetime(self.last_year + 1, 1, 15, 9, tzinfo=VN).astimezone(UTC)

    def key(self) -> str:
        head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
        migrations = hashlib.sha256()
        for path in sorted((MIGRATIONS / "versions").glob("*.py")):
            migrations.update(path.read_bytes())
        text = json.dumps([asdict(self), head, migrations.hexdigest(), GENERATOR_VERSION],
                          sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class History:
    spec: Spec
    urls: dict[str, str]
    """Database URL by backend ("sqlite", "postgresql"), for those available."""
    notes: list[str]


def prepare(spec: Spec = Spec()) -> History:
    """The history's databases, made if they are not cached yet."""
    key = spec.key()
    directory = generated_directory(spec)
    urls, notes = {}, []
    urls["sqlite"] = _sqlite(spec, key, directory)
    server = postgres_server()
    try:
        urls["postgresql"] = asyncio.run(_postgres(spec, key, directory, server))
    except (OSError, asyncpg.PostgresError) as exc:
        notes.append(f"PostgreSQL left out: {make_url(server).render_as_string()}: {exc}")
    return History(spec, urls, notes)


def postgres_version(history: History) -> str | None:
    url = history.urls.get("postgresql")
    if url is None:
        return None

    async def version() -> str:
        connection = await asyncpg.connect(_dsn(url))
        try:
            return str(await connection.fetchval("SHOW server_version"))
        finally:
            await connection.close()
    return asyncio.run(version())


# --- the directory ---------------------------------------------------------------------------

def generated_directory(spec: Spec) -> Directory:
    """The first fields of the bundled 2022 directory (kept so that the generated data
    does not change) and their procedures (four per field, made up where it lists fewer),
    a fifth of the units district offices and branches, the rest commune People's
    Committees each over its own area."""
    bundled = parse_directory(bundled_directory_text("xuan_loc_2022.yaml"))
    fields = bundled.fields[:spec.fields]
    procedures: list[Procedure] = []
    for number, field in enumerate(fields):
        own = [p for p in bundled.procedures if p.field == field.code][:4]
        own += [Procedure(f"9.{number:02d}{n:04d}", Name(f"Thủ tục {n} về {field.name.vi}"),
                          field.code, "district") for n in range(4 - len(own))]
        procedures += own
    offices = spec.units // 5
    areas = [Area(f"{27000 + 3 * n}", Name(f"Xã số {n + 1}", f"Commune {n + 1}"))
             for n in range(spec.units - offices)]
    units = [Unit(f"S{n:02d}", Name(f"Sở, ngành số {n + 1}", f"Department {n + 1}"),
                  UnitKind.BRANCH if n % 4 == 3 else UnitKind.DISTRICT_OFFICE)
             for n in range(offices)]
    units += [Unit(f"UBND-{area.code}", Name(f"UBND {area.name.vi.lower()}"), UnitKind.COMMUNE,
                   area.code) for area in areas]
    rules = [RoutingRule(field.code, None, units[n % offices].code, to_area_unit=n % 2 == 0)
             for n, field in enumerate(fields)]
    return Directory(code="bench", name=Name("Tỉnh mẫu", "Sample province"),
                     focal_unit=units[0].code, targets=bundled.targets, areas=tuple(areas),
                     units=tuple(units), fields=tuple(fields), procedures=tuple(procedures),
                     rules=(*rules, RoutingRule(None, None, units[0].code)))


# --- the rows ------------------------------------------------------------------------------

RATING_COLUMNS = ("id", "source", "source_id", "rated_at", "unit_code", "field_code",
                  "procedure_code", "channel", "score", "answers", "comment", "dossier",
                  "verified")
CASE_COLUMNS = ("id", "code", "channel", "chat_id", "citizen_id", "contact_name",
                "contact_phone", "contact_address", "field_code", "procedure_code", "area_code",
                "unit_code", "text", "latitude", "longitude", "status", "received_at", "due_at",
                "assignee_id", "transfers", "resolved_at", "answer", "routed_at",
                "transfer_due_at", "extended_due_at", "reopened_at", "updated_at", "version")
HANDLING_COLUMNS = ("id", "case_id", "unit_code", "field_code", "staff_id", "asked_at",
                    "score", "reason", "comment", "rated_at", "reminded_at")
DOSSIER_COLUMNS = ("id", "code", "procedure_code", "unit_code", "field_code", "status",
                   "received_at", "due_at", "extended_due_at", "finished_at", "returned_at",
                   "phone", "apology_asked_at", "created_at", "updated_at")
APOLOGY_COLUMNS = ("id", "dossier_id", "number", "unit_code", "reason", "new_due_at",
                   "owed_by", "official_id", "official_name", "official_title", "document_id",
                   "issued_at")
DATETIMES = {"rated_at", "received_at", "due_at", "resolved_at", "routed_at",
             "transfer_due_at", "extended_due_at", "reopened_at", "updated_at", "asked_at",
             "reminded_at", "finished_at", "returned_at", "apology_asked_at", "created_at",
             "new_due_at", "owed_by", "issued_at"}

RATING_CHANNELS = {"zalo_oa": 40, "telegram": 10, "webchat": 15, "zalo_bot": 10, "paper": 25}
CASE_CHANNELS = {"zalo_oa": 45, "telegram": 15, "webchat": 25, "zalo_bot": 10, "open311": 5}
QUESTIONS = ("access", "procedure", "official", "result", "feedback")
COMMENTS = ("Cán bộ hướng dẫn tận tình, chu đáo.", "Thời gian chờ hơi lâu.",
            "Cần thêm ghế ngồi chờ ở bộ phận một cửa.", "Thủ tục nhanh gọn, đúng hẹn.",
            "Gọi {phone} nhiều lần không ai nghe máy.", "Trả kết quả trễ hẹn hai ngày.")
TEXTS = ("Đoạn đường trước số {n} bị ngập mỗi khi mưa lớn, đề nghị nạo vét cống thoát nước.",
         "Hồ sơ nộp ngày {d} đến nay chưa được giải quyết, đề nghị cho biết lý do.",
         "Đề nghị hướng dẫn thủ tục cấp đổi giấy chứng nhận quyền sử dụng đất thửa số {n}.",
         "Đèn chiếu sáng khu phố {n} hỏng đã lâu, người dân đi lại khó khăn.",
         "Phản ánh việc thu phí không đúng quy định tại bộ phận một cửa ngày {d}.")
PROCEDURE_DAYS = (1, 3, 5, 7, 10, 15, 20, 30)
"""Working days a procedure takes by law, one of these for each generated procedure."""
REASONS = ("Cần xác minh thêm thông tin với cơ quan liên quan.",
           "Hồ sơ phải lấy ý kiến của nhiều đơn vị.",
           "Khối lượng hồ sơ tiếp nhận tăng đột biến trong kỳ.")


class _Generator:
    """Deterministic rows of a spec: the same on every backend and every run."""

    def __init__(self, spec: Spec, directory: Directory) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        rng = self.rng
        self.fields = list(directory.fields)
        self.procedures = {f.code: [p.code for p in directory.procedures if p.field == f.code]
                           for f in self.fields}
        self.units = list(directory.units)
        self.areas = [area.code for area in directory.areas]
        # Each unit handles a few fields; busier units get more of everything (Zipf-like).
        self.unit_fields = {u.code: rng.sample([f.code for f in self.fields], rng.randint(3, 7))
                            for u in self.units}
        self.unit_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(self.units))]
        rng.shuffle(self.unit_weights)
        # Share of satisfied ratings by unit: most above the 92% target, some below.
        self.quality = {u.code: min(0.99, rng.gauss(0.93, 0.03)) for u in self.units}
        self.days, self.day_weights = self._calendar()

    def _calendar(self) -> tuple[list[date], list[float]]:
        """Every day of the history, weighted: fewer at weekends, more each year."""
        days, weights, total = [], [], 0.0
        day = date(self.spec.first_year, 1, 1)
        while day.year <= self.spec.last_year:
            growth = 1 + 0.25 * (day.year - self.spec.first_year)
            total += growth * (0.1 if day.weekday() >= 5 else 1.0)
            days.append(day)
            weights.append(total)
            day += timedelta(days=1)
        return days, weights

    def _moments(self, count: int, rng: random.Random | None = None) -> list[datetime]:
        """When people come: office hours on working days, some evenings and weekends."""
        rng = rng or self.rng
        result = []
        for day in rng.choices(self.days, cum_weights=self.day_weights, k=count):
            seconds = (rng.randint(7 * 3600 + 1800, 17 * 3600) if rng.random() < 0.9
                       else rng.randint(6 * 3600, 22 * 3600))
            local = datetime(day.year, day.month, day.day, tzinfo=VN) + timedelta(seconds=seconds)
            result.append(local.astimezone(UTC))
        return sorted(result)

    def _score(self, satisfied_share: float) -> int:
        rng = self.rng
        if rng.random() < satisfied_share:
            return 5 if rng.random() < 0.6 else 4
        return rng.choices((3, 2, 1), (5, 3, 2))[0]

    def ratings(self) -> Iterator[list[tuple[Any, ...]]]:
        rng, total = self.rng, self.spec.ratings
        channels, channel_weights = list(RATING_CHANNELS), list(RATING_CHANNELS.values())
        for first in range(0, total, CHUNK):
            count = min(CHUNK, total - first)
            units = rng.choices(self.units, self.unit_weights, k=count)
            rows = []
            for n, (moment, unit, channel) in enumerate(zip(
                    self._moments(count), units,
                    rng.choices(channels, channel_weights, k=count), strict=True)):
                field = rng.choice(self.unit_fields[unit.code])
                score = self._score(self.quality[unit.code])
                answers = {"overall": score, **{q: max(1, min(5, score + rng.randint(-1, 1)))
                                                for q in QUESTIONS}}
                comment = None
                if rng.random() < 0.04:
                    comment = rng.choice(COMMENTS).format(
                        phone=f"09{rng.randint(10, 99)} {rng.randint(100, 999)} "
                              f"{rng.randint(100, 999)}")
                procedure = rng.choice(self.procedures[field]) if rng.random() < 0.9 else None
                # Verified: given through a dossier's link or with its code (one each).
                dossier = (f"HS-{moment.year}-{first + n:07d}"
                           if rng.random() < self.spec.verified else None)
                rows.append((first + n + 1, "import:paper.csv" if channel == "paper" else "bot",
                             str(first + n + 1), moment, unit.code, field, procedure, channel,
                             score, answers, comment, dossier, dossier is not None))
            yield rows

    def cases(self) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """Cases with the ratings of their handling. About 5% of those whose outcome is
        known are late (resolved after the deadline, or still open past it); cases due
        after `now` are mostly still open."""
        rng, spec, now = self.rng, self.spec, self.spec.now
        channels, channel_weights = list(CASE_CHANNELS), list(CASE_CHANNELS.values())
        field_weights = [6 if f.code == "dat_dai" else 3 if f.satisfaction_target < 0.92
                         else 1 for f in self.fields]
        weight = dict(zip((u.code for u in self.units), self.unit_weights, strict=True))
        units_of = {f.code: [u for u in self.units if f.code in self.unit_fields[u.code]]
                    or self.units for f in self.fields}
        unit_weights = {code: [weight[u.code] for u in units] for code, units in units_of.items()}
        rated = 0
        for first in range(0, spec.cases, CHUNK):
            count = min(CHUNK, spec.cases - first)
            cases, handling = [], []
            fields = rng.choices(self.fields, field_weights, k=count)
            for n, (received, field, channel) in enumerate(zip(
                    self._moments(count), fields,
                    rng.choices(channels, channel_weights, k=count), strict=True)):
                case_id = first + n + 1
                unit = rng.choices(units_of[field.code], unit_weights[field.code])[0]
                due = _due(received, field.resolve_days)
                resolved = extended = None
                if due > now and rng.random() < 0.7:
                    status = rng.choice(("received", "in_progress", "awaiting_citizen"))
                else:
                    fate = rng.random()
                    if fate < 0.95:
                        resolved = received + (due - received) * rng.uniform(0.05, 1.0)
                    elif fate < 0.988:
                        resolved = due + timedelta(hours=rng.randint(1, 15 * 24))
                    if resolved is not None and resolved > now:
                        resolved = None
                    if resolved is None or resolved > due:
                        extended = due + timedelta(days=10) if rng.random() < 0.4 else None
                    status = "resolved" if resolved else "in_progress"
                area = unit.area or (rng.choice(self.areas) if rng.random() < 0.6 else None)
                text = rng.choice(TEXTS).format(n=rng.randint(1, 300),
                                                d=received.astimezone(VN).strftime("%d/%m/%Y"))
                procedure = (rng.choice(self.procedures[field.code]) if rng.random() < 0.3
                             else None)
                cases.append((
                    case_id, f"PA-{received.astimezone(VN).year}-{case_id:06d}", channel,
                    str(100_000 + case_id % 50_000), 1, "", "", "", field.code, procedure, area,
                    unit.code, text, None, None, status, received, due, None,
                    1 if rng.random() < 0.08 else 0, resolved,
                    "Đã xử lý theo quy định." if resolved else None, received,
                    received + timedelta(days=5), extended, None, resolved or received, 1))
                if resolved is not None and rng.random() < 0.65:
                    rated += 1
                    answered = rng.random() < 0.75
                    share = self.quality[unit.code] - (0.3 if resolved > due else 0.03)
                    handling.append((
                        rated, case_id, unit.code, field.code, None, resolved,
                        self._score(share) if answered else None, None, None,
                        resolved + timedelta(hours=rng.randint(1, 72)) if answered else None,
                        None))
            yield cases, handling

    def dossiers(self) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
        """Dossiers of the units' fields and procedures, with their apologies. Of those
        due by `now` about 4.5% are late (settled after the due date, or still open past
        it) and half of these got an apology, three in four of them in time; those due
        later are mostly open, as are some long past due; 1% are rejected or withdrawn.
        A random stream of their own, so the ratings and cases stay as they were."""
        spec, now = self.spec, self.spec.now
        rng = random.Random(spec.seed + 1)
        days = {code: rng.choice(PROCEDURE_DAYS) for codes in self.procedures.values()
                for code in codes}
        apologies, numbers = 0, Counter[tuple[str, int]]()
        for first in range(0, spec.dossiers, CHUNK):
            count = min(CHUNK, spec.dossiers - first)
            dossiers, apologised = [], []
            units = rng.choices(self.units, self.unit_weights, k=count)
            for n, (received, unit) in enumerate(zip(self._moments(count, rng), units,
                                                     strict=True)):
                dossier_id = first + n + 1
                field = rng.choice(self.unit_fields[unit.code])
                procedure = rng.choice(self.procedures[field])
                due = _due(received, days[procedure])
                settled = extended = asked = None
                fate = rng.random()
                if fate < 0.01:
                    status = "rejected" if fate < 0.004 else "withdrawn"
                elif due > now and rng.random() < 0.7:
                    status = rng.choice(("received", "in_progress", "additional_docs"))
                elif fate < 0.955 or due > now:
                    settled = received + (due - received) * rng.uniform(0.1, 1.0)
                    status = "in_progress"
                else:
                    # Most a few days late, some stuck for months (still open at `now`).
                    settled = due + timedelta(hours=rng.randint(2, (20 if rng.random() < 0.8
                                                                    else 120) * 24))
                    owed_by = _apology_owed_by(due)
                    asked = owed_by - timedelta(hours=17)  # the start of that day
                    issued = (owed_by - timedelta(hours=rng.randint(1, 30))
                              if rng.random() < 0.75
                              else owed_by + timedelta(hours=rng.randint(1, 48)))
                    if rng.random() < 0.5 and issued < now:
                        apologies += 1
                        # Numbered in the unit's register of the year, as bot.core does.
                        numbers[unit.code, issued.astimezone(VN).year] += 1
                        number = numbers[unit.code, issued.astimezone(VN).year]
                        extended = _due(due, rng.randint(5, 15))
                        apologised.append((
                            apologies, dossier_id, f"{number:02d}/PXL-{unit.code}",
                            unit.code, rng.choice(REASONS), extended, owed_by, None,
                            "Nguyễn Văn An", "Phó Chủ tịch", None, issued))
                        settled = max(settled, issued + timedelta(hours=1))
                    status = "in_progress"
                if settled is not None and settled > now:
                    settled = None
                finished = returned = None
                if settled is not None:
                    # Mostly handed back to the applicant; some finished, not collected
                    # yet; some returned with no finish time given.
                    kind = rng.random()
                    if kind < 0.6:
                        status, finished = "returned", settled
                        returned = min(now, settled + timedelta(hours=rng.randint(1, 120)))
                    elif kind < 0.85:
                        status, returned = "returned", settled
                    else:
                        status, finished = "finished", settled
                code = f"{unit.code}-{received.astimezone(VN):%y%m%d}-{dossier_id:07d}"
                phone = f"09{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.6 else None
                changed = max(t for t in (received, asked, finished, returned) if t is not None)
                dossiers.append((dossier_id, code, procedure, unit.code, field, status, received,
                                 due, extended, finished, returned, phone, asked, received,
                                 changed))
            yield dossiers, apologised


def _apology_owed_by(due: datetime) -> datetime:
    """17:00 local of the working day before the due day (weekends only, as _due)."""
    day = due.astimezone(VN).date() - timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 17, tzinfo=VN).astimezone(UTC)


def _due(received: datetime, working_days: int) -> datetime:
    """The end (17:00 local) of the nth working day after receipt; received after 15:00
    counts from the next day. Weekends only: holidays do not change the benchmark."""
    local = received.astimezone(VN)
    day = local.date() + timedelta(days=1 if local.hour >= 15 else 0)
    left = working_days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return datetime(day.year, day.month, day.day, 17, tzinfo=VN).astimezone(UTC)


# --- loading ---------------------------------------------------------------------------------

async def _seed(url: str, directory: Directory, spec: Spec) -> None:
    """What the application itself stores: the directory and the account of imported
    cases, through our repositories."""
    database = Database(url)
    try:
        store = Store(database)
        async with store.unit_of_work() as uow:
            await uow.directory.replace(directory, spec.now)
            uow.session.add(AccountRow(id=1, role="citizen", display_name="(imported)",
                                       created_at=spec.now))
    finally:
        await database.dispose()


async def _mark(url: str, key: str) -> None:
    database = Database(url)
    try:
        async with database.transaction() as session:
            session.add(Meta(key=MARKER, value=key))
    finally:
        await database.dispose()


def _sqlite(spec: Spec, key: str, directory: Directory) -> str:
    path = DATA / f"history-{key}.db"
    if not path.exists():
        DATA.mkdir(exist_ok=True)
        for stale in DATA.glob("history-*"):
            stale.unlink()
        partial = path.with_suffix(".partial")
        url = f"sqlite+aiosqlite:///{partial}"
        started = time.perf_counter()
        print(f"generating the SQLite history ({spec.ratings:,} ratings, {spec.cases:,} PAKN,"
              f" {spec.dossiers:,} dossiers) into {path.name}...", flush=True)
        upgrade(url)
        asyncio.run(_seed(url, directory, spec))
        _insert_sqlite(partial, _Generator(spec, directory))
        asyncio.run(_mark(url, key))
        partial.rename(path)
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return f"sqlite+aiosqlite:///{path}"


def _sqlite_value(column: str, value: Any) -> Any:
    """As SQLAlchemy stores them on SQLite: UTC text with microseconds, JSON text."""
    if value is None:
        return None
    if column in DATETIMES:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _insert_sqlite(path: Path, generator: _Generator) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # A half-made file is never used (it is renamed when complete): no journal needed.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")

        def insert(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' * len(columns))})",
                [tuple(_sqlite_value(c, v) for c, v in zip(columns, row, strict=True))
                 for row in rows])
        for rows in generator.ratings():
            insert("ratings", RATING_COLUMNS, rows)
        for cases, handling in generator.cases():
            insert("cases", CASE_COLUMNS, cases)
            insert("handling_ratings", HANDLING_COLUMNS, handling)
        for dossiers, apologies in generator.dossiers():
            insert("dossiers", DOSSIER_COLUMNS, dossiers)
            insert("dossier_apologies", APOLOGY_COLUMNS, apologies)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _postgres(spec: Spec, key: str, directory: Directory, server: str) -> str:
    name = f"bench_history_{key}"
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    admin = await asyncpg.connect(_dsn(server), timeout=5)
    try:
        databases = [r["datname"] for r in await admin.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE 'bench_history_%'")]
        if name in databases and await _complete(url, key):
            return url
        for stale in databases:
            await admin.execute(f'DROP DATABASE "{stale}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    started = time.perf_counter()
    print(f"generating the PostgreSQL history into {name}...", flush=True)
    await asyncio.to_thread(upgrade, url)
    await _seed(url, directory, spec)
    connection = await asyncpg.connect(_dsn(url))
    try:
        generator = _Generator(spec, directory)

        async def copy(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
                       ) -> None:
            json_at = [n for n, c in enumerate(columns) if c == "answers"]
            if json_at:
                rows = [tuple(json.dumps(v) if n in json_at else v for n, v in enumerate(row))
                        for row in rows]
            await connection.copy_records_to_table(table, records=rows, columns=columns)
        for rows in generator.ratings():
            await copy("ratings", RATING_COLUMNS, rows)
        for cases, handling in generator.cases():
            await copy("cases", CASE_COLUMNS, cases)
            await copy("handling_ratings", HANDLING_COLUMNS, handling)
        for dossiers, apologies in generator.dossiers():
            await copy("dossiers", DOSSIER_COLUMNS, dossiers)
            await copy("dossier_apologies", APOLOGY_COLUMNS, apologies)
        for table in ("ratings", "cases", "handling_ratings", "dossiers", "dossier_apologies"):
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))")
        # A database in service is vacuumed and analysed by autovacuum; a fresh load not yet.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    await _mark(url, key)
    print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return url


async def _complete(url: str, key: str) -> bool:
    connection = await asyncpg.connect(_dsn(url))
    try:
        return bool(await connection.fetchval(
            "SELECT count(*) FROM meta WHERE key = $1 AND value = $2", MARKER, key))
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await connection.close()
