"""scripts/bench.py's parts: inputs, peer venvs, the per-pipeline runner, the daemon and the report.

``runner.py`` and the modules it imports (``measure``, ``pipelines``) run inside each pipeline's
own venv and use only the standard library and NumPy at import time; the others run in
moodkiosk's venv.
"""
