"""Benchmarks outside the VOT toolkit, as the paper reports them: DAVIS 2016 (``vos``, Table 5),
GOT-10k (``got10k``, Table 4) and LaSOT (``lasot``, Figure 6). Each runs a tracker built by
``tracking.build`` under its benchmark's protocol, writes results in the layout the benchmark's
own tools read, scores them and prints the paper's layout beside the published numbers
(``vot/published.py``)."""
