"""``edge bench``: the speed of each stage against a baseline, and the service end to end."""
