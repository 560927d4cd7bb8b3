"""gunicorn's settings (assess/gunicorn_config.py): what a worker does once it has loaded the app."""

from __future__ import annotations

import gc
from types import SimpleNamespace

from flask import Flask

from assess import gunicorn_config


def test_a_worker_sets_the_loaded_app_aside_from_the_garbage_collectors_scans(app: Flask) -> None:
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        gunicorn_config.post_worker_init(SimpleNamespace(app=app))
        # The app's objects (and everything else alive) are no longer in any generation a collection scans.
        assert gc.get_freeze_count() > 10_000
        assert sum(gc.get_count()) < 100
    finally:
        gc.unfreeze()
