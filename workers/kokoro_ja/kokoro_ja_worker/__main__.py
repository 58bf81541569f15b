"""python -m kokoro_ja_worker: see worker.py for the options."""

import os
import sys

try:
    import stream_tts_worker  # noqa: F401
except ImportError:  # running from the source tree without the SDK on the path: workers/python beside us
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                    "python"))

from kokoro_ja_worker.worker import main  # noqa: E402

main()
