"""fastsom: fast, exact Self-Organising Maps for Python.

>>> from fastsom import SOM
"""

__version__ = "0.1.0"

from .io import load
from .online import train_online
from .plan import TrainingPlan, make_plan
from .som import SOM, NotFittedError
from .sompak import export_cod, import_cod
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
