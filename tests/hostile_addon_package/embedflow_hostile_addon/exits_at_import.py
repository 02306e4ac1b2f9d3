"""Importing this module ends the program, as a careless add-on's `sys.exit()` at import would."""

import sys

sys.exit(3)
