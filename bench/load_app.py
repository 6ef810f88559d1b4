"""The registry as gunicorn serves it, plus one bare endpoint for the load benchmark's yardstick.

    gunicorn -c gunicorn.conf.py bench.load_app:app

`/bench/bare` answers a short text from Flask with no database, no session and no rate limit:
what the same server and workers do when the registry's own work is taken away. It exists only in
this module, never in the registry's routes.
"""

from __future__ import annotations

from registry import access, create_app
from registry.extensions import limiter

app = create_app()


@limiter.exempt
def bare() -> str:
    return "ok"


app.add_url_rule("/bench/bare", "bench.bare", bare)
access.MATRIX["bench.bare"] = access.Rule(access.EVERYONE)
