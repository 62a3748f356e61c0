"""`runserver` that closes each request thread's database connections when it ends.

The development server runs every request in a thread of its own. Django keeps a connection
per thread for CONN_MAX_AGE, and a finished thread's connection stayed open until garbage
collection: one left behind per request, until PostgreSQL's connection limit refused all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.management.commands.runserver import Command as StaticRunserver
from django.core.servers.basehttp import WSGIServer
from django.db import connections


class ConnectionClosingWSGIServer(WSGIServer):
    def close_request(self, request: Any) -> None:
        # Called in the request's own thread, once the response is sent.
        connections.close_all()
        super().close_request(request)


class Command(StaticRunserver):
    server_cls = ConnectionClosingWSGIServer
