"""OCR engines behind one protocol (see ``base``) and one lazy registry."""

from docsight.engines.base import Availability, Capabilities, Engine, PageImage
from docsight.engines.registry import ENGINES, EngineInfo, get_engine, list_engines

__all__ = [
    "ENGINES",
    "Availability",
    "Capabilities",
    "Engine",
    "EngineInfo",
    "PageImage",
    "get_engine",
    "list_engines",
]
