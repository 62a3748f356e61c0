"""Watch a browser context for requests to anywhere but the server under test.

The portal must work on a machine without internet (no CDN, no web fonts, no badges).
`watch_outside_requests(context, server_url)` aborts every request that leaves the server
and returns the list it fills with their URLs; a test asserts the list stays empty.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

LOCAL_SCHEMES = {"data", "blob", "about"}


def watch_outside_requests(context: Any, server_url: str) -> list[str]:
    server = urlsplit(server_url)
    outside: list[str] = []

    def route(route: Any) -> None:
        url = urlsplit(route.request.url)
        if url.scheme in LOCAL_SCHEMES or (url.scheme, url.netloc) == (
            server.scheme,
            server.netloc,
        ):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    return outside
