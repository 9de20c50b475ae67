"""ConnectWise PSA (Manage) connector: REST client, TicketDesk and AgreementBilling adapters."""
