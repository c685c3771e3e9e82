"""The chat page's frame-ancestors: the service itself and the portals listed, nothing else
of the policy changed."""

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.webchat import frame_ancestors
from bot.web.render import SECURITY_HEADERS

POLICY = SECURITY_HEADERS["Content-Security-Policy"]
ORIGIN = st.builds(lambda scheme, host, port: f"{scheme}://{host}" + (f":{port}" if port else ""),
                   st.sampled_from(["http", "https"]),
                   st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,20}){0,3}",
                                 fullmatch=True),
                   st.none() | st.integers(1, 65535))


def directives(policy: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip().split(" ", 1)[1]
            for part in policy.split(";")}


def test_without_portals_only_the_service_frames_the_chat() -> None:
    assert directives(frame_ancestors(POLICY, ()))["frame-ancestors"] == "'self'"


@given(st.lists(ORIGIN, max_size=5, unique=True))
def test_the_listed_portals_are_added_and_the_rest_is_kept(origins: list[str]) -> None:
    before, after = directives(POLICY), directives(frame_ancestors(POLICY, tuple(origins)))
    assert after["frame-ancestors"].split() == ["'self'", *origins]
    assert {k: v for k, v in after.items() if k != "frame-ancestors"} == {
        k: v for k, v in before.items() if k != "frame-ancestors"}
