"""Signals core sends so that the apps above it join in without core importing them."""

from django.dispatch import Signal

# Sent while the page of a saved connection is built. Keyword arguments: `request` (the
# HttpRequest) and `system` (a registry kind). Each receiver returns a dict of template context
# to add to the page (alerts adds the push card of the GravityZone page), or an empty dict.
connection_page_shown = Signal()

# Sent after the credentials of a connection the mappings read from (a PSA, or Automate) were
# validated and saved. No keyword arguments. Receivers run at once, in the request: mappings
# re-reads the PSA side. A ConnectorError they raise is shown as "saved, but not read".
mapping_source_saved = Signal()
