"""Files: model files, SOM_PAK codebooks, data tables, atomic writes."""

from .model import load, save

__all__ = ["load", "save"]
