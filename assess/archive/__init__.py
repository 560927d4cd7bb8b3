"""The archive package of a decided record: one ZIP that verifies on its own, years later, without the database.

Building it is `build.py` (the app's side); checking it is `verify.py`, which needs only the standard library so
that it can be copied to any machine: ``python -m assess.archive verify FILE.zip`` or ``python verify.py FILE.zip``.
"""
