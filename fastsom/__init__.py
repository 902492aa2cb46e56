"""fastsom: fast, exact Self-Organising Maps for Python.

>>> from fastsom import SOM
"""

__version__ = "0.1.0"

from .exceptions import NotFittedError
from .io.model import load
from .io.sompak import export_cod, import_cod
from .som import SOM
from .training.online import train_online
from .training.plan import TrainingPlan, make_plan
from .tutorial import tutorial_schedules, tutorial_som

__all__ = [
    "SOM",
    "NotFittedError",
    "TrainingPlan",
    "make_plan",
    "train_online",
    "tutorial_schedules",
    "tutorial_som",
    "load",
    "export_cod",
    "import_cod",
    "__version__",
]
