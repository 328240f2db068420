"""Hide passwords in database URLs before they reach a log line, a stat or a terminal.

Every place that shows a database URL (or an error message that may quote one)
passes it through :func:`redact`. It understands both libpq forms: URIs
(``postgresql://user:secret@host/db``, ``...?password=secret``) and key/value
strings (``host=h password='a b' dbname=d``), and leaves everything else as is, so
the output still says which server and database are in use.
"""

from __future__ import annotations

import re

from psycopg import conninfo

MASK = "***"

# scheme://user:password@host — the authority ends at the first / ? # or space; the
# user info ends at the last "@" in it, so an unescaped "@" inside a password
# is still hidden.
_URI_USERINFO = re.compile(
    r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/?#@\s]*):(?P<password>[^/?#\s]*)@"
)
# ?password=... or &password=... in a URI's query string (value ends at & or #).
_URI_PARAM = re.compile(r"(?P<key>[?&](?:ssl)?password=)(?P<value>[^&#\s]*)", re.IGNORECASE)
# password=... in a key/value string: a quoted value with \' escapes, or up to a space.
_KEYVALUE = re.compile(
    r"(?P<key>(?<![?&\w])(?:ssl)?password\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|[^\s']\S*)",
    re.IGNORECASE,
)


def redact(url: str) -> str:
    """Return *url* (or any text quoting URLs) with every password replaced by ``***``."""
    text = _URI_USERINFO.sub(
        lambda m: f"{m['scheme']}{m['user']}:{MASK}@" if m["password"] else m[0], url
    )
    text = _URI_PARAM.sub(lambda m: f"{m['key']}{MASK}", text)
    return _KEYVALUE.sub(lambda m: f"{m['key']}{MASK}", text)


def without_password(url: str) -> str:
    """*url* (a URI or key/value string) as a key/value string without its password: what
    may travel to another machine (a scrapyd job's settings, its command line). The
    receiving side finds the password itself (``dccrawl.db.connect``: its own environment,
    ``~/.pgpass``, ``PGPASSWORD``)."""
    params = conninfo.conninfo_to_dict(url)
    params.pop("password", None)
    params.pop("sslpassword", None)
    return conninfo.make_conninfo(**params)  # type: ignore[arg-type]


def same_server(one: str, other: str) -> bool:
    """Whether two connection strings name the same database as the same user (host, port,
    database, user), whatever else (password, options) they carry."""
    defaults = {"port": "5432"}  # libpq's, when a string leaves it out

    def identity(text: str) -> tuple[str, ...]:
        params = conninfo.conninfo_to_dict(text)
        return tuple(
            str(params.get(k) or defaults.get(k, "")) for k in ("host", "port", "dbname", "user")
        )

    return identity(one) == identity(other)
