"""csikit: the ITIL Continual Service Improvement six-step model as live workshops."""

from .errors import CsiError
from .model import Step, Workshop
from .store import Store, open_store
from .workshop_file import load_workshop

__all__ = ["CsiError", "Step", "Store", "Workshop", "load_workshop", "open_store"]
__version__ = "0.1.0"
