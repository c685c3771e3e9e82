"""A use case asks for the repositories it uses (its module's `Needs`, bot.core.ports), not
for the whole unit of work: the type checker then holds it to them. Only the runner, which
opens the transaction for the doors, names the whole."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
WHOLE = {"UnitOfWork", "DoorWork"}
OPENS_THE_TRANSACTION = {"work.py", "ports.py"}


def annotations(tree: ast.AST) -> list[tuple[str, int, str]]:
    """Each parameter of each function: its name, line and annotation as written."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            found += [(a.arg, a.lineno, ast.unparse(a.annotation))
                      for a in arguments if a.annotation is not None]
    return found


def names_in(annotation: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(annotation)) if isinstance(node, ast.Name)}


def test_no_use_case_takes_the_whole_unit_of_work() -> None:
    wide = [f"{module.name}:{line} {name}: {annotation}"
            for module in sorted(CORE.glob("*.py")) if module.name not in OPENS_THE_TRANSACTION
            for name, line, annotation in annotations(ast.parse(module.read_text()))
            if names_in(annotation) & WHOLE]
    assert not wide, wide


def test_each_module_taking_a_unit_of_work_declares_its_needs() -> None:
    undeclared = []
    for module in sorted(CORE.glob("*.py")):
        if module.name in OPENS_THE_TRANSACTION:
            continue
        tree = ast.parse(module.read_text())
        takes = any(name in ("uow", "work") for name, _, _ in annotations(tree))
        # At the top (a protocol, or another module's when it uses no more), or among the
        # imports for the type checker only (a module the command line reads without
        # loading the rest).
        top = [*tree.body, *(node for branch in tree.body if isinstance(branch, ast.If)
                             for node in branch.body)]
        declares = any(
            (isinstance(node, ast.ClassDef) and node.name == "Needs")
            or (isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "Needs" for t in node.targets))
            for node in top)
        if takes and not declares:
            undeclared.append(module.name)
    assert not undeclared, undeclared


def test_the_check_sees_a_wide_parameter() -> None:
    tree = ast.parse("async def f(uow: UnitOfWork, work: Work[Needs]) -> None: ...")
    assert [names_in(a) & WHOLE for _, _, a in annotations(tree)] == [{"UnitOfWork"}, set()]
