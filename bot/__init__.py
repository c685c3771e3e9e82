"""The PAKN bot service: channels, conversations, delivery and the web server."""
