"""The message spine: one incoming message, from any channel, through one transaction:
dedupe, the dialog's state, the router to a handler, the messages it owes (bot.delivery)."""
