"""The typed error tree, drawn once here, with one stable code and exit code per class.

::

    DocsightError                      (exit 1)
    ├── InputError                     (exit 2)
    │   ├── EmptyDocumentError         empty_document        (exit 3)
    │   ├── UnsupportedTypeError       unsupported_type      (exit 4)
    │   ├── CorruptDocumentError       corrupt_document      (exit 5)
    │   ├── EncryptedDocumentError     encrypted_document    (exit 6)
    │   ├── LimitExceededError         limit_exceeded        (exit 7)
    │   ├── PageSelectionError         invalid_page_selection (exit 8)
    │   └── DocumentNotFoundError      document_not_found    (exit 9)
    ├── EngineError                    engine_error          (exit 10)
    │   ├── UnknownEngineError         unknown_engine        (exit 11)
    │   ├── EngineUnavailableError     engine_unavailable    (exit 12)
    │   └── EngineFailedError          engine_failed         (exit 13)
    └── ConfigurationError             configuration_error   (exit 20)

Interfaces map these in one place each: the CLI to exit codes, the HTTP API (later) to
problem+json. Messages are one line and say what to do.
"""

from __future__ import annotations

from typing import ClassVar


class DocsightError(Exception):
    """Base of every expected failure."""

    code: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, str | int]:
        """JSON-ready form used by ``--json`` errors and per-page error records."""
        return {"code": self.code, "message": self.message, "exit_code": self.exit_code}


class InputError(DocsightError):
    """The document itself cannot be processed."""

    code = "invalid_input"
    exit_code = 2


class EmptyDocumentError(InputError):
    code = "empty_document"
    exit_code = 3


class UnsupportedTypeError(InputError):
    code = "unsupported_type"
    exit_code = 4


class CorruptDocumentError(InputError):
    code = "corrupt_document"
    exit_code = 5


class EncryptedDocumentError(InputError):
    code = "encrypted_document"
    exit_code = 6


class LimitExceededError(InputError):
    code = "limit_exceeded"
    exit_code = 7


class PageSelectionError(InputError):
    code = "invalid_page_selection"
    exit_code = 8


class DocumentNotFoundError(InputError):
    code = "document_not_found"
    exit_code = 9


class EngineError(DocsightError):
    code = "engine_error"
    exit_code = 10


class UnknownEngineError(EngineError):
    code = "unknown_engine"
    exit_code = 11


class EngineUnavailableError(EngineError):
    code = "engine_unavailable"
    exit_code = 12


class EngineFailedError(EngineError):
    code = "engine_failed"
    exit_code = 13


class ConfigurationError(DocsightError):
    code = "configuration_error"
    exit_code = 20


def exit_code_for(code: str) -> int:
    """The exit code of the error class with this stable code (per-page errors keep codes)."""
    pending: list[type[DocsightError]] = [DocsightError]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return cls.exit_code
        pending.extend(cls.__subclasses__())
    return DocsightError.exit_code


__all__ = [
    "ConfigurationError",
    "CorruptDocumentError",
    "DocsightError",
    "DocumentNotFoundError",
    "EmptyDocumentError",
    "EncryptedDocumentError",
    "EngineError",
    "EngineFailedError",
    "EngineUnavailableError",
    "InputError",
    "LimitExceededError",
    "PageSelectionError",
    "UnknownEngineError",
    "UnsupportedTypeError",
    "exit_code_for",
]
