"""Demo content for ``manage.py seed_demo``: the story text (:mod:`.story`) and its procedural pictures
(:mod:`.scenes`)."""
