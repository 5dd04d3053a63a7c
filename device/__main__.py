"""``python -m device`` runs the moodkiosk command line."""

import sys

from device.cli import main

sys.exit(main())
