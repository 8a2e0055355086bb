"""The archive case's reference: pack files with Python's zipfile, ZIP_STORED, nothing else.

    python -m tests.bench.zip_reference FILES.json OUT.zip

FILES.json is a list of [name in the zip, path on disk].
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

if __name__ == "__main__":
    files = json.loads(Path(sys.argv[1]).read_text())
    with zipfile.ZipFile(sys.argv[2], "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, path in files:
            zf.write(path, arcname=name)
