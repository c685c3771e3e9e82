"""Dialog states are a typed vocabulary (bot.spine.states): the router takes a feature's states
or one state, never a name, and the handlers name states by their members only."""

import ast
from pathlib import Path

import pytest

from bot.handlers import build_router
from bot.spine.context import Context
from bot.spine.routing import Router
from bot.spine.states import DialogState, DossierApologyState, DossierState, MenuState, PrivacyState

HANDLERS = Path(__file__).resolve().parents[2] / "bot" / "handlers"


async def _nothing(ctx: Context) -> None:
    return None


def test_a_feature_routes_each_of_its_states_and_nothing_else() -> None:
    router = Router()
    router.state(DossierState, DossierApologyState.DATE)(_nothing)
    for state in (*DossierState, DossierApologyState.DATE):
        assert router.state_handler(state.value) is _nothing, "as the database keeps it"
    assert router.state_handler("dossier") is None
    assert router.state_handler("dossier.code.more") is None
    assert router.state_handler(DossierApologyState.NAME) is None
    with pytest.raises(ValueError, match="handled twice"):
        router.state(DossierState.CODE)(_nothing)


def test_every_state_but_those_waiting_for_a_button_has_a_handler() -> None:
    router = build_router()
    unhandled = {state for feature in DialogState.__subclasses__() for state in feature
                 if router.state_handler(state) is None}
    assert unhandled == set(PrivacyState)
    assert router.state_handler(MenuState.IDLE) is not None


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                                and isinstance(node.value, str))


def _names_a_state(node: ast.AST) -> bool:
    return ((isinstance(node, ast.Attribute) and node.attr == "state")
            or (isinstance(node, ast.Name) and node.id == "state"))


def _string_state(node: ast.AST) -> bool:
    """A state set, routed or tested by a string: dialog.reset("x"), router.state("x"),
    dialog.state = "x", state == "x", state in ("x", ...)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in ("reset", "state") and any(map(_literal, node.args))
    if isinstance(node, ast.Assign):
        return any(map(_names_a_state, node.targets)) and _literal(node.value)
    if isinstance(node, ast.Compare) and _names_a_state(node.left):
        return any(_literal(c) or (isinstance(c, ast.Tuple) and any(map(_literal, c.elts)))
                   for c in node.comparators)
    return False


def test_handlers_name_states_by_their_members() -> None:
    wrong = ('ctx.dialog.reset("intake.field")', '@router.state("intake")\ndef f(): pass',
             'ctx.dialog.state = f"take.{step}"', 'state == "survey.q"',
             'ctx.dialog.state in ("a", "b")')
    assert all(any(map(_string_state, ast.walk(ast.parse(code)))) for code in wrong)
    found = [f"{path.name}:{getattr(node, 'lineno', '?')}"
             for path in sorted(HANDLERS.glob("*.py"))
             for node in ast.walk(ast.parse(path.read_text(), str(path)))
             if _string_state(node)]
    assert not found, f"a state named by a string: {found}"
