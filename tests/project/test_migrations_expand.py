"""Every migration can run while the previous version serves (README, "Upgrade"): it
expands the schema and never contracts it in the same release. Step by step, from the
first migration to the last, on a real database: no table or column of the schema
before is gone after, no column becomes required, and a column added to a table the
old code writes is optional or has a default (the old code's inserts do not name it).
A contraction (dropping what the code stopped using a release earlier) is a step of its
own, listed here with its reason."""

from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from storage.migrate import alembic_config

CONTRACTIONS: dict[str, str] = {
    "0010": "older than the rule: files get a required random key (the rows there are "
            "given theirs) that the version before does not write; an upgrade across "
            "0010 stops the old version before it migrates",
}
"""Revisions allowed to contract, and why no serving version depends on what they did."""

Schema = dict[str, dict[str, tuple[bool, bool]]]
"""table -> column -> (nullable, has a server default)."""


def schema(path: Path) -> Schema:
    engine = create_engine(f"sqlite:///{path}")
    try:
        found = inspect(engine)
        return {table: {column["name"]: (bool(column["nullable"]),
                                         column.get("default") is not None)
                        for column in found.get_columns(table)}
                for table in found.get_table_names() if table != "alembic_version"}
    finally:
        engine.dispose()


def broken_promises(before: Schema, after: Schema) -> list[str]:
    problems = []
    for table, columns in before.items():
        if table not in after:
            problems.append(f"table {table} dropped")
            continue
        for column, (nullable, _default) in columns.items():
            if column not in after[table]:
                problems.append(f"column {table}.{column} dropped or renamed")
            elif nullable and not after[table][column][0]:
                problems.append(f"column {table}.{column} made required")
        for column, (nullable, default) in after[table].items():
            if column not in columns and not nullable and not default:
                problems.append(f"column {table}.{column} added, required, no default")
    return problems


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, Schema, Schema]]:
    """(revision, schema before it, schema after it), every migration in order."""
    path = tmp_path_factory.mktemp("expand") / "pakn.db"
    config = alembic_config(f"sqlite+aiosqlite:///{path}")
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
    found: list[tuple[str, Schema, Schema]] = []
    before: Schema = {}
    for revision in revisions:
        command.upgrade(config, revision.revision)
        after = schema(path)
        found.append((revision.revision, before, after))
        before = after
    return found


def test_every_migration_expands(steps: list[tuple[str, Schema, Schema]]) -> None:
    assert len(steps) >= 14
    problems = {revision: broken_promises(before, after)
                for revision, before, after in steps if revision not in CONTRACTIONS}
    assert not {revision: found for revision, found in problems.items() if found}


def test_the_listed_contractions_are_real(steps: list[tuple[str, Schema, Schema]]) -> None:
    """An exception that no longer applies is taken off the list."""
    for revision, before, after in steps:
        if revision in CONTRACTIONS:
            assert broken_promises(before, after), revision


def test_the_check_sees_each_kind_of_contraction() -> None:
    before: Schema = {"cases": {"id": (False, False), "note": (True, False)},
                      "old": {"id": (False, False)}}
    assert broken_promises(before, before) == []
    assert broken_promises(before, {"cases": before["cases"]}) == ["table old dropped"]
    assert broken_promises(before, {**before, "cases": {"id": (False, False)}}) == [
        "column cases.note dropped or renamed"]
    assert broken_promises(before, {**before, "cases": {**before["cases"],
                                                        "note": (False, False)}}) == [
        "column cases.note made required"]
    grown = {**before, "cases": {**before["cases"], "kind": (False, False)}}
    assert broken_promises(before, grown) == ["column cases.kind added, required, no default"]
    for optional in ((True, False), (False, True)):
        assert broken_promises(before, {**before, "cases": {**before["cases"],
                                                            "kind": optional}}) == []
