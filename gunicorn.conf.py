"""gunicorn's settings for the registry; gunicorn reads this file from the working directory:

    .venv/bin/gunicorn wsgi:app                      # 127.0.0.1:8000, workers from the CPU count
    .venv/bin/gunicorn -b 127.0.0.1:8001 -w 3 wsgi:app   # options on the command line win

Threaded workers (gthread): a worker's main thread keeps telling the master it is alive while its
threads answer requests, so an export that streams a million rows for minutes is not killed by
`timeout`. On PostgreSQL a worker has two threads, so a request that waits on the database
leaves the other serving; on SQLite one (see `threads` below).
"""

from __future__ import annotations

import multiprocessing
import os

from registry import configured_database_url

bind = os.environ.get("REGISTRY_BIND", "127.0.0.1:8000")
# Two processes a core plus one keeps every core busy while some threads wait on the database;
# WEB_CONCURRENCY (gunicorn's own convention) overrides.
workers = int(os.environ.get("WEB_CONCURRENCY", 0)) or multiprocessing.cpu_count() * 2 + 1
worker_class = "gthread"
# Threads a worker, by the database. SQLite works inside the worker's process: a second thread
# there only waits for Python's lock between its queries, and the case list cost 10-20 % more CPU a
# request with four threads than with one (bench/LOAD.md, "Seventh round"). PostgreSQL works in
# its own processes: while one thread waits for it, another runs; two did better than four on
# one 2-core machine, more help when the database is across a network. REGISTRY_THREADS overrides.
threads = int(os.environ.get("REGISTRY_THREADS", 0)) or (1 if configured_database_url().startswith("sqlite") else 2)
# A worker silent this long is restarted: with gthread only a stuck worker process, never a slow
# request, stays silent.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Worker heartbeats in memory, not on a disk that may be slow (a laptop's SD card).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - gunicorn's documented choice
# Recycle workers now and then so that memory a long export once took is given back.
max_requests = 5000
max_requests_jitter = 500
# Requests are limited before Flask sees them: a header section or a line this long is refused.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# X-Forwarded-* are believed only from the proxy on this machine (see docs/deployment.md).
forwarded_allow_ips = os.environ.get("REGISTRY_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("REGISTRY_ACCESS_LOG") or None
errorlog = "-"
