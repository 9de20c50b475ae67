"""Pure rules of psabridge: no I/O, no Django, no HTTP; time is always a parameter."""
