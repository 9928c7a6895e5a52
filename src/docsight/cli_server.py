"""``docsight serve`` and ``docsight worker``: the service commands, added to the main CLI.

Kept apart from ``cli`` so that the OCR commands work without the ``server`` extra; the
imports happen inside the commands and a missing extra says what to install.
"""

from __future__ import annotations

from typing import Annotated

import typer

from docsight.settings import get_settings

SERVER_EXTRA = "the service needs the server extra: pip install 'docsight[server]'"


def _require(module: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        typer.echo(f"error: {SERVER_EXTRA}", err=True)
        raise typer.Exit(20)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str | None, typer.Option(help="Bind address [server.host].")] = None,
        port: Annotated[int | None, typer.Option(help="Port [server.port].")] = None,
        workers: Annotated[
            int | None, typer.Option(help="uvicorn processes [server.workers].")
        ] = None,
        log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    ) -> None:
        """Run the HTTP API (jobs run in-process unless DOCSIGHT_SERVER__QUEUE=celery)."""
        _require("uvicorn")
        import uvicorn

        server = get_settings().server
        processes = workers or server.workers
        # Several processes answer /metrics in turn: each must serve the sum of all of them.
        metrics_dir = _multiprocess_dir() if processes > 1 else None
        try:
            uvicorn.run(
                "docsight.server.app:create_app",
                factory=True,
                host=host or server.host,
                port=port or server.port,
                workers=processes,
                # uvicorn kills a worker that does not answer its supervisor's ping within this
                # time. Its default, 5 s, is shorter than a worker importing the engines on a
                # busy two-core host can stall (C extensions hold the GIL while they load): the
                # killed worker reset its open connections (seen in the two-worker e2e test).
                timeout_worker_healthcheck=30,
                log_level=log_level,
                access_log=False,  # the app logs every request as JSON with its request id
            )
        finally:
            if metrics_dir is not None:
                import shutil

                shutil.rmtree(metrics_dir, ignore_errors=True)

    @app.command()
    def worker(
        queues: Annotated[str, typer.Option(help="Queues to consume.")] = "cpu,gpu,webhooks",
        concurrency: Annotated[int, typer.Option(help="Jobs run in parallel.")] = 1,
        pool: Annotated[str, typer.Option(help="prefork | threads | solo.")] = "prefork",
        log_level: Annotated[str, typer.Option(help="Celery log level.")] = "INFO",
        metrics_port: Annotated[int | None, typer.Option(
            help="Serve this worker's Prometheus metrics here (prefork: all children summed)."
        )] = None,
    ) -> None:
        """Run a Celery worker for DOCSIGHT_SERVER__QUEUE=celery (Redis at server.redis_url)."""
        _require("celery")
        # Before anything imports prometheus_client's metrics: the children must write theirs
        # to files that the parent can merge, since only the parent can hold the port.
        prefork_metrics = metrics_port is not None and pool == "prefork"
        metrics_dir = _multiprocess_dir() if prefork_metrics else None
        from docsight.server.jobs.celery_app import make_celery, serve_metrics

        settings = get_settings()
        celery = make_celery(settings)
        if metrics_port is not None:
            serve_metrics(celery, settings, metrics_port, multiprocess_dir=metrics_dir)
        try:
            celery.worker_main([
                "worker", f"--queues={queues}", f"--concurrency={concurrency}", f"--pool={pool}",
                f"--loglevel={log_level}", "--without-gossip", "--without-mingle",
            ])
        finally:
            if metrics_dir is not None:
                import shutil

                shutil.rmtree(metrics_dir, ignore_errors=True)


def _multiprocess_dir() -> str:
    """A fresh folder for prometheus_client's multiprocess files, set for this process tree.

    Fresh per worker because the files of a previous run (or of another worker sharing
    ``PROMETHEUS_MULTIPROC_DIR``) would be summed into this one's counters; it is made under
    ``PROMETHEUS_MULTIPROC_DIR`` when the operator set one (a tmpfs, say), else in the temp dir.
    """
    import os
    import sys
    import tempfile

    base = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
    if base is not None:
        os.makedirs(base, exist_ok=True)
    path = tempfile.mkdtemp(prefix="docsight-metrics-", dir=base)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    values = sys.modules.get("prometheus_client.values")
    if values is not None:  # imported already: later metric objects must still use the files
        values.ValueClass = values.get_value_class()  # type: ignore[attr-defined]
    return path
