"""Web assets in one place: the pages the server serves, vendored JavaScript, export templates.

Both the HTML export (``cpkg.export``) and the server (``cpkg.api``) read them from here, so the
library never reaches into the HTTP layer for a file.
"""

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
CYTOSCAPE_JS = STATIC_DIR / "vendor" / "cytoscape" / "cytoscape.min.js"
