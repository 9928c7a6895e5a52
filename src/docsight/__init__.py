"""docsight: any document in, Nanonets-style markdown and structured data out.

The library entry point is ``process``::

    from docsight import process, ProcessOptions
    result = process("scan.pdf", ProcessOptions(pages="1-3"))
    print(result.markdown)
"""

from importlib.metadata import PackageNotFoundError, version

from docsight.errors import DocsightError
from docsight.models import Result
from docsight.pipeline import ProcessOptions, process
from docsight.settings import Settings, get_settings

try:
    __version__ = version("docsight")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = [
    "DocsightError",
    "ProcessOptions",
    "Result",
    "Settings",
    "__version__",
    "get_settings",
    "process",
]
