"""groupbox/web/lazy.py: a deferred module imports on first use and then is the real one."""

import subprocess
import sys

CHECK = """
import sys
from groupbox.web import lazy
lazy.defer("wave", "not_a_module_anywhere")
import wave                                   # the stand-in: nothing loaded yet
assert type(sys.modules["wave"]).__name__ == "_Deferred", type(sys.modules["wave"])
assert "not_a_module_anywhere" not in sys.modules  # not installed: left to the importer
assert callable(wave.open)                    # first use loads the real module
assert type(sys.modules["wave"]).__name__ == "module"
from wave import Wave_read                    # later imports get the real one
import wave as again
assert again is sys.modules["wave"] and Wave_read is again.Wave_read
print("ok")
"""


def test_a_deferred_module_loads_on_first_use_and_answers_like_the_real_one():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
