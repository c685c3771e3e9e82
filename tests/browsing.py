"""A cookie jar like a browser's on the service's loopback address."""

import aiohttp


def loopback_jar(url: str) -> aiohttp.CookieJar:
    """Keeps every cookie of `url` and, as browsers do for a loopback address, sends the
    `Secure` ones (the web chat's) over its plain HTTP."""
    return aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[url])
