"Write README.md from nbs/index.ipynb (what `nbdev_readme` does when Quarto is installed), with links into nbs/."
import re, subprocess, sys
from pathlib import Path
root = Path(__file__).resolve().parents[1]
md = subprocess.run([sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'markdown', '--stdout', str(root/'nbs'/'index.ipynb')],
                    capture_output=True, text=True, check=True).stdout
md = re.sub(r'\]\((?![a-z]+:|nbs/|/|#|\.\./)([^)\s]+\.(?:ipynb|png|jpg|svg)(?:#[^)\s]*)?)\)', r'](nbs/\1)', md)  # the notebooks' relative links, from the root
(root/'README.md').write_text(md.rstrip('\n') + '\n')
print('wrote README.md')
