"""csikit: the ITIL Continual Service Improvement six-step model as live workshops."""

from .errors import CsiError
from .model import Step, Workshop
from .store import Store, open_store
from .version import __version__ as __version__

__all__ = ["CsiError", "Step", "Store", "Workshop", "load_workshop", "open_portfolio", "open_store", "open_workshop"]


def __getattr__(name: str):
    # Workshop files are read by the CLI and the facilitator, never by the room server:
    # `import csikit` stays free of PyYAML (and pandas) for every process that needs neither.
    if name == "load_workshop":
        from .workshop_file import load_workshop

        return load_workshop
    if name == "open_workshop":  # the analysts' data API (pandas): loaded on first use, for the same reason
        from .workbook import open_workshop

        return open_workshop
    if name == "open_portfolio":  # several workshops of one organisation read together (pandas), the same way
        from .portfolio import open_portfolio

        return open_portfolio
    raise AttributeError(f"module 'csikit' has no attribute {name!r}")
