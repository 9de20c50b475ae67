"""Signals of alerts: the apps that take alerts further join in without alerts importing them."""

from django.dispatch import Signal

# Asked while each new alert (not a test alert) is stored, inside the processing transaction.
# No keyword arguments. A receiver returning True has the alert queued (AlertState.QUEUED) for
# the apps that take alerts further: ticketing answers whether it is switched on. With no
# receiver answering True the alert is only received (AlertState.RECEIVED).
queue_wanted = Signal()

# Sent after a processing run that stored alerts and left queued alerts behind, once per run.
# No keyword arguments. Ticketing routes them (it enqueues its routing task).
alerts_queued = Signal()
