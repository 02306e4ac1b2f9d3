"""A tiny embedflow add-on used by embedflow's own tests and shown in docs/api.md."""
