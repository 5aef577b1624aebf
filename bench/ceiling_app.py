"""The framework's ceiling: a minimal Falcon app answering the benchmarked routes.

It returns, for each route, a fixed body of the size the real service sends,
under gunicorn with the same worker model and count as ``finance-planner
serve``. Run as ``python -m bench.ceiling_app --port P --workers N --bodies F``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import falcon
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]


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


class _Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(
        self, app: falcon.App[falcon.Request, falcon.Response], options: dict[str, Any]
    ) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> falcon.App[falcon.Request, falcon.Response]:
        return self.application


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--bodies", type=Path, required=True)
    args = parser.parse_args(argv)
    bodies = json.loads(args.bodies.read_text())
    # The same worker model ``finance-planner serve`` uses with one thread per worker.
    options = {
        "bind": f"127.0.0.1:{args.port}",
        "workers": args.workers,
        "worker_class": "sync",
        "accesslog": None,
        "loglevel": "warning",
        "graceful_timeout": 10,
    }
    _Server(create_app(bodies), options).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
