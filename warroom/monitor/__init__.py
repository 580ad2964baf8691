"""The long-running monitor process (DESIGN §4): health checks, escalation deadlines and the
witness, run by whichever process holds the lease; and the keeper a TUI uses to make sure one runs.
A face like the CLI and the TUI: it drives the services and the health adapters, and nothing below
it imports it."""
