"""The framework's ceiling: a minimal Falcon app answering the benchmarked routes.

It returns, for each route, a fixed body of the size the real service sends.
``bench.server_app`` runs it under any candidate server (``--app fixed``).
"""

from __future__ import annotations

import falcon


class _Fixed:
    def __init__(self, bodies: dict[str, str]) -> None:
        self.bodies = {key: value.encode() for key, value in bodies.items()}

    def _send(self, resp: falcon.Response, key: str, status: str = falcon.HTTP_200) -> None:
        resp.status = status
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self.bodies[key]


class Account(_Fixed):
    def on_get(self, req: falcon.Request, resp: falcon.Response, account_id: int) -> None:
        self._send(resp, "account")


class Transactions(_Fixed):
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._send(resp, "transactions")

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.bounded_stream.read()
        self._send(resp, "posted", falcon.HTTP_201)


def create_app(bodies: dict[str, str]) -> falcon.App[falcon.Request, falcon.Response]:
    app: falcon.App[falcon.Request, falcon.Response] = falcon.App()
    app.add_route("/api/accounts/{account_id:int}", Account(bodies))
    app.add_route("/api/transactions", Transactions(bodies))
    return app
