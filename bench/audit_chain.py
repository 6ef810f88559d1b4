"""Benchmark: the audit log's hash chain. Writes N rows (a few per commit, as requests do),
from several threads, then verifies the chain. Prints rows/s for both.

    .venv/bin/python -m bench.audit_chain --rows 20000 [--threads 4] [--database-url URL]

Uses a scratch SQLite database unless --database-url is given (it must be empty or disposable:
the tables are created and the audit rows added to it).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--per-commit", type=int, default=2)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    from registry import create_app
    from registry.extensions import db
    from registry.services import audit

    folder = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "AUDIT_KEY": "bench"})
    app.instance_path = str(folder)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()

    commits = args.rows // args.per_commit // args.threads

    def write() -> None:
        with app.app_context():
            for index in range(commits):
                for _ in range(args.per_commit):
                    audit.record("case_view", actor=None, actor_username="bench", object_type="case",
                                 object_id=f"MNY-2026-{index:06d}", ip_address="10.0.0.1",
                                 details={"fields": ["given_names"]})  # fmt: skip
                db.session.commit()
            db.session.remove()

    started = time.perf_counter()
    threads = [threading.Thread(target=write) for _ in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = commits * args.per_commit * args.threads
    write_seconds = time.perf_counter() - started

    with app.app_context():
        started = time.perf_counter()
        report = audit.verify_chain(db.session())
        verify_seconds = time.perf_counter() - started
    print(f"database: {url.split(':')[0]}; threads: {args.threads}; rows per commit: {args.per_commit}")
    print(f"wrote {written} chained rows in {write_seconds:.1f} s: {written / write_seconds:.0f} rows/s")
    print(f"verified {report.rows} rows in {verify_seconds:.1f} s: {report.rows / verify_seconds:.0f} rows/s; "
          f"intact: {report.intact}")


if __name__ == "__main__":
    main()
