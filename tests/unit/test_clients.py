"""The client's address and scheme: believed from forwarding headers only when the peer
is a trusted proxy, whatever the chain of addresses a client writes into them."""

from ipaddress import ip_address, ip_network

from aiohttp.test_utils import make_mocked_request
from hypothesis import given
from hypothesis import strategies as st

from bot.runtime.clients import came_over_https, client_address

PROXIES = (ip_network("10.0.0.0/8"), ip_network("::1/128"))


def request(peer: str, forwarded: str | None = None, proto: str | None = None) -> object:
    headers = {}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    if proto is not None:
        headers["X-Forwarded-Proto"] = proto
    made = make_mocked_request("GET", "/", headers=headers)
    made._transport_peername = (peer, 1234)  # type: ignore[attr-defined]
    return made


def test_a_direct_client_is_its_peer_whatever_it_writes() -> None:
    made = request("203.0.113.7", "198.51.100.1", "https")
    assert client_address(made, PROXIES) == "203.0.113.7"  # type: ignore[arg-type]
    assert not came_over_https(made, PROXIES)  # type: ignore[arg-type]


def test_behind_trusted_proxies_the_last_untrusted_hop() -> None:
    made = request("10.0.0.2", "198.51.100.1, 203.0.113.9, 10.0.0.5", "https")
    assert client_address(made, PROXIES) == "203.0.113.9"  # type: ignore[arg-type]
    assert came_over_https(made, PROXIES)  # type: ignore[arg-type]
    assert client_address(request("10.0.0.2"), PROXIES) == "10.0.0.2"  # type: ignore
    assert client_address(request("10.0.0.2", "bogus, 10.0.0.5"),  # type: ignore[arg-type]
                          PROXIES) == "10.0.0.5", "a malformed hop ends the chain"
    assert client_address(request("10.0.0.2", "1.2.3.4"), ()) == "10.0.0.2"  # type: ignore


addresses = st.one_of(st.ip_addresses().map(str),
                      st.text(st.characters(min_codepoint=32, max_codepoint=126,
                                            blacklist_characters=","), max_size=12))


@given(peer=st.one_of(st.ip_addresses().map(str), st.sampled_from(["10.1.2.3", "::1"])),
       chain=st.lists(addresses, max_size=5))
def test_the_answer_is_always_the_peer_or_an_address_from_the_chain(
        peer: str, chain: list[str]) -> None:
    made = request(peer, ", ".join(chain))
    found = client_address(made, PROXIES)  # type: ignore[arg-type]
    assert found == peer or found in [c.strip() for c in chain]
    if not any(ip_address(peer) in network for network in PROXIES):
        assert found == peer, "an untrusted peer's headers are never believed"
