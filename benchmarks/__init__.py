"""dlcourse's benchmark suite (part of the source checkout, not of the installed package).

Run ``python -m benchmarks`` from the checkout's root to list the benchmarks; see `benchmarks.suite`.
"""
