"""The subcommands of `pakn`, one module per group; each adds its parsers with
`register(commands)` and imports what its commands need inside them, so that `pakn
--help` loads none of the application. A new command is a module here and its name in
COMMANDS."""

COMMANDS = (
    "serve",
    "directory",
    "calendar",
    "invites",
    "staff",
    "surveys",
    "reports",
    "imports",
    "zalo",
    "apikeys",
    "privacy",
    "backup",
    "doctor",
)
