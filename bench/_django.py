"""Set up Django for the bench scripts, which run as plain `python bench/x.py`."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medspa.settings")
    import django

    django.setup()
