"""Values the plugin needs when pytest loads it, each defined once for the whole package.

Nothing is imported here: ``plugin.py`` reads these while pytest starts, in every run of a
project that has the plugin installed, used or not.
"""

# The region of the fixtures' clients and of what the emulator answers when nothing names one:
# the one botocore's own documentation and most examples use.
DEFAULT_REGION = "us-east-1"

# personalize_cassette's record modes: vcrpy's names, the meanings the plugin gives them.
RECORD_MODES = ("none", "once", "new_episodes", "all")

# The markers the plugin registers: their names are read by the options and by the plugin.
OPTIONS_MARKER = "personalize"
CASSETTE_MARKER = "personalize_cassette"
ERROR_MATRIX_MARKER = "personalize_error_matrix"
