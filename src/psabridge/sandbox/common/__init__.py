"""Pieces both simulators share: clock, faults, inspection dispatch, WSGI and simulator glue."""
