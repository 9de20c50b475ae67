"""ConnectWise Automate connector: REST client and the RmmClients adapter."""
