#!/usr/bin/env python3
"""Fails when the man pages or completions fall behind the commands:
- man pages pass `mandoc -Tlint -Wwarning`;
- every zoomctl command path (`zoomctl commands`) has a `.Ss zoomctl PATH` entry in man/zoomctl.1;
- every configuration variable of core/config.cpp is documented in man/zoomctl.1;
- the committed completions equal `zoomctl completion bash|zsh|fish`.
Usage: check-docs.py PATH/TO/zoomctl   (run scripts/update-completions.sh to refresh completions)."""
import re
import subprocess
import sys
from pathlib import Path

root = Path(__file__).resolve().parent.parent
zoomctl = sys.argv[1]
problems = []

lint = subprocess.run(["mandoc", "-Tlint", "-Wwarning", "man/zoomctl.1", "man/zoomctld.8"], cwd=root,
                      capture_output=True, text=True)
if lint.returncode != 0:
    problems.append("mandoc -Tlint:\n" + lint.stdout + lint.stderr)

man = (root / "man/zoomctl.1").read_text()
headings = [h.strip() for h in re.findall(r"^\.Ss (.*)$", man, re.M)]
paths = subprocess.run([zoomctl, "commands"], capture_output=True, text=True, check=True).stdout.split("\n")
for path in filter(None, paths):
    want = "zoomctl " + path
    if not any(h == want or h.startswith(want + " ") for h in headings):
        problems.append(f"man/zoomctl.1 has no '.Ss {want} ...' entry")

config_src = (root / "core/config.cpp").read_text()
for var in sorted(set(re.findall(r'\{"((?:ZOOM|ZOOMCTL|ZOOMCTLD)_[A-Z_]+)"', config_src))):
    if var not in man:
        problems.append(f"man/zoomctl.1 does not document {var}")

for shell, name in (("bash", "zoomctl.bash"), ("zsh", "_zoomctl"), ("fish", "zoomctl.fish")):
    generated = subprocess.run([zoomctl, "completion", shell], capture_output=True, text=True, check=True).stdout
    committed = (root / "completions" / name).read_text() if (root / "completions" / name).exists() else ""
    if generated != committed:
        problems.append(f"completions/{name} is stale: run scripts/update-completions.sh")

if problems:
    print("\n".join(problems))
    sys.exit(1)
print(f"docs: {len([p for p in paths if p])} commands documented, completions current, man pages lint clean")
