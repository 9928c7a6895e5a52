"""The HTTP service: FastAPI app, durable jobs, queues, webhooks, cache and observability.

Nothing in the core imports this package; it is an adapter over ``pipeline.process`` and
``formats.export`` and needs the ``server`` extra.
"""

from docsight.server.app import create_app

__all__ = ["create_app"]
