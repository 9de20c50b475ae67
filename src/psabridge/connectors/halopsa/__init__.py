"""HaloPSA connector: OAuth client-credentials REST client and the TicketDesk adapter."""
