"""Evaluation on a Ray cluster (``--ray``): one task per (tracker, sequence), longest first.

Ray is an optional extra (``pip install rpvt-tracker[cluster]``); nothing here imports it until a
command is given ``--ray``, so the tracker and the serial commands never load it.

* ``engine``: the options, joining or starting Ray, submitting tasks longest first with their CPU
  and GPU share, Ray's retries of a task whose worker died, and the failures named at the end.
* ``staging``: results that are complete or absent (written aside, renamed into place) under the
  per-sequence output claim of ``rpvt track`` (``tracking/run.py``).
* ``vot_tasks``: ``rpvt evaluate``: the VOT toolkit's own experiment code run per task.
* ``sequence_tasks``: ``rpvt davis``, ``rpvt got10k`` and ``rpvt lasot`` per sequence, the
  tracker built once per worker process.
"""

from .engine import ClusterOptions, add_cluster_options, options_from_args

__all__ = ["ClusterOptions", "add_cluster_options", "options_from_args"]
