"""The subcommands of `pakn`, one module per group; each adds its parsers."""
