"""Billing by period quantities: a quantity per company and month on its agreement."""
