"""Render deploy/nginx.conf.template into a working nginx configuration.

    python deploy/render_nginx.py --listen 127.0.0.1:8080 \
        --upstream 127.0.0.1:8501 --upstream 127.0.0.1:8502 \
        --prefix /var/lib/mentoring-nginx [--sticky ip_hash|cookie] > nginx.conf
    nginx -p /var/lib/mentoring-nginx -e /var/lib/mentoring-nginx/error.log -c "$PWD/nginx.conf"

`ip_hash` keeps each client address on one process. `cookie` gives every browser a random
`mentoring_route` cookie and hashes on it (consistent hashing), so clients behind one NAT or
proxy still spread over the processes. Either way a browser moves only when its process dies.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
COOKIE = "mentoring_route"

STICKY_MAP = f"""    # A browser without a route cookie gets a random one (the request id).
    map $cookie_{COOKIE} $mentoring_route {{
        default $cookie_{COOKIE};
        ''      $request_id;
    }}
"""
STICKY_COOKIE = (
    f'            add_header Set-Cookie "{COOKIE}=$mentoring_route; Path=/; HttpOnly; '
    'SameSite=Lax" always;'
)


def render(
    *,
    listen: str,
    upstreams: list[str],
    prefix: Path,
    sticky: str = "ip_hash",
    user: str | None = None,
    max_fails: int = 1,
    fail_timeout: str = "10s",
) -> str:
    """Return the configuration text for these upstream processes."""
    if not upstreams:
        raise ValueError("at least one --upstream is needed")
    if sticky not in ("ip_hash", "cookie"):
        raise ValueError("--sticky is ip_hash or cookie")
    servers = "\n".join(
        f"        server {address} max_fails={max_fails} fail_timeout={fail_timeout};"
        for address in upstreams
    )
    values = {
        "USER_LINE": f"user {user};" if user else "",
        "PREFIX": str(prefix),
        "LISTEN": listen,
        "SERVERS": servers,
        "BALANCE": "ip_hash;" if sticky == "ip_hash" else "hash $mentoring_route consistent;",
        "STICKY_MAP": STICKY_MAP if sticky == "cookie" else "",
        "STICKY_COOKIE": STICKY_COOKIE if sticky == "cookie" else "",
    }
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    if "{{" in text:
        raise ValueError("a placeholder was left unfilled")
    return text


def prepare_prefix(prefix: Path) -> None:
    """Create the folders nginx writes to (logs, temporary files) under the prefix."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / name).mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8080", help="address:port nginx serves")
    parser.add_argument("--upstream", action="append", required=True, help="a streamlit process")
    parser.add_argument("--prefix", type=Path, required=True, help="folder for pid, logs, temp")
    parser.add_argument("--sticky", choices=["ip_hash", "cookie"], default="ip_hash")
    parser.add_argument("--user", help="worker user (when nginx starts as root)")
    args = parser.parse_args(argv)
    prepare_prefix(args.prefix)
    sys.stdout.write(
        render(
            listen=args.listen,
            upstreams=args.upstream,
            prefix=args.prefix.resolve(),
            sticky=args.sticky,
            user=args.user,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
