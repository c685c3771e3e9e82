"""Channel adapters: wire formats to IncomingMessage, and Reply to wire formats."""
