"""Demo data: the reference manual's account, a second company with a year of history,
and a generator of large registries for scale work (`manage.py load_demo`)."""
