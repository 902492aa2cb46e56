"""``python -m fastsom``: the command line."""

from .cli import main

raise SystemExit(main())
