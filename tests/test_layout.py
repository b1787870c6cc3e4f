"""The family is the unit: every built-in family is one module of `deepfake_detect.detectors`, code outside a family's
module never compares anything with a family's name, and no family's module imports another family's."""
import ast
from importlib.util import resolve_name
from pathlib import Path
from deepfake_detect.base import families

PKG = Path(__file__).resolve().parents[1]/'deepfake_detect'
FAMILIES = {name: where.split(':')[0] for name, where in families().items() if where.startswith('deepfake_detect.')}  # method -> module

def _file(module:str)->Path:
    "The source file of the package's module named `module` (dotted)"
    return PKG.parent/(module.replace('.', '/') + '.py')

def _names(node)->set:
    "The strings a comparison operand holds: a constant, or the constants of a tuple, list or set"
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return {n.value for n in items if isinstance(n, ast.Constant) and isinstance(n.value, str)}

def _functions(tree)->dict:
    "Each node of `tree` -> the name of the function it is in ('' at module level)"
    where = {}
    def walk(node, fn):
        for child in ast.iter_child_nodes(node):
            where[child] = fn
            walk(child, child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else fn)
    walk(tree, ''); return where

def _branches(path:Path)->set:
    "(file, function) of every comparison with a family's method name in `path`"
    tree = ast.parse(path.read_text()); where = _functions(tree)
    return {(path.name, where[n]) for n in ast.walk(tree) if isinstance(n, ast.Compare)
            and any(_names(x) & set(FAMILIES) for x in [n.left, *n.comparators])}

def _imported(path:Path, package:str)->set:
    "The dotted names `path` (a module of `package`) imports from, relative imports resolved, with each name imported"
    out = set()
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.ImportFrom):
            base = resolve_name('.'*n.level + (n.module or ''), package) if n.level else n.module
            out |= {base} | {f'{base}.{a.name}' for a in n.names}  # `from . import x` imports the module x
        elif isinstance(n, ast.Import): out |= {a.name for a in n.names}
    return out

def test_families_live_in_detectors():
    assert {'cnn', 'traces', 'probe', 'npr', 'ensemble'} <= set(FAMILIES)
    outside = {m: mod for m, mod in FAMILIES.items() if not mod.startswith('deepfake_detect.detectors.') or not _file(mod).exists()}
    assert outside == {}, f'built-in families outside deepfake_detect/detectors/: {outside}'

def test_no_branch_on_a_family_name_outside_the_families(tmp_path):
    mine = {_file(m) for m in FAMILIES.values()}
    found = set().union(*(_branches(f) for f in PKG.rglob('*.py') if f not in mine and f.name != '_modidx.py'))
    assert found == set(), f'code outside the families compares with a method name: {sorted(found)}'
    (tmp_path/'x.py').write_text("def f(m):\n    return m in ('a', 'probe')\n")
    assert ('x.py', 'f') in _branches(tmp_path/'x.py')  # the search sees one

def test_no_family_imports_another(tmp_path):
    mods = set(FAMILIES.values())
    found = {(m, other) for m in mods for other in _imported(_file(m), m.rsplit('.', 1)[0]) & (mods - {m})}
    assert found == set(), f'a family imports another: {sorted(found)}'
    for src in ('from .cnn import train\n', 'from ..detectors import cnn\n'):  # the search sees one
        (tmp_path/'x.py').write_text(src)
        assert 'deepfake_detect.detectors.cnn' in _imported(tmp_path/'x.py', 'deepfake_detect.detectors'), src
