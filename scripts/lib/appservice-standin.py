"""The fixture bridge's side of the appservice API, for scripts/e2e: answers Synapse's
transactions (PUT /_matrix/app/v1/transactions/<txn>) with 200 {} after checking the hs_token,
as a running bridge would, and 404 to anything else (user/alias queries: the bridge knows none).

    python3 scripts/lib/appservice-standin.py PORT APPSERVICE_YAML

Listens on 127.0.0.1 only. It records nothing and decides nothing the checker compares.
"""
from __future__ import annotations

import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def hs_token(path: str) -> str:
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\s*hs_token:\s*['\"]?([^'\"\s]+)", line)
        if m:
            return m.group(1)
    sys.exit(f"appservice_standin: no hs_token in {path}")


class Handler(BaseHTTPRequestHandler):
    token = ""

    def _answer(self, code: int, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:  # noqa: N802 (http.server naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        if auth != f"Bearer {self.token}" and f"access_token={self.token}" not in self.path:
            self._answer(403, b'{"errcode":"M_FORBIDDEN"}')
        elif self.path.startswith("/_matrix/app/v1/transactions/"):
            self._answer(200, b"{}")
        else:
            self._answer(404, b'{"errcode":"M_NOT_FOUND"}')

    def do_GET(self) -> None:  # noqa: N802
        self._answer(404, b'{"errcode":"M_NOT_FOUND"}')

    do_POST = do_GET

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write("appservice_standin: " + fmt % args + "\n")


def main() -> None:
    port, cfg = int(sys.argv[1]), sys.argv[2]
    Handler.token = hs_token(cfg)
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
