"""The application core: use cases that take the unit of work, the actor and the time,
and return what happened, with the messages they owe people (bot.core.work.Owed), for
every door (chat, web, API, command line, scheduler) to call alike."""
