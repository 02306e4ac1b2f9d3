"""embedflow's shipped files: icons, help pages, example workflows and sample data (read with importlib.resources)."""
