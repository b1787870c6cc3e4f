"""The family is the unit: code outside a family's module never compares anything with a family's name, and no family's
module imports another family's. The exceptions still in the code are listed by name below: the test fails on any new
one, and on a listed one that is gone, so the list can only shrink."""
import ast, tempfile
from pathlib import Path
from deepfake_detect.base import families

PKG = Path(__file__).resolve().parents[1]/'deepfake_detect'
FAMILIES = {name: where.split(':')[0].rsplit('.', 1)[1] for name, where in families().items() if where.startswith('deepfake_detect.')}  # method -> module
OWED_BRANCHES = set()
OWED_IMPORTS = {('probe.py', 'classical')}  # the probe's traces=True option reads the traces' features (extract, trace_config, TracePrep)

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

def _imported(path:Path)->set:
    "The modules of this package that `path` imports (relative or absolute), by name"
    out = set()
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.ImportFrom) and (n.level or (n.module or '').startswith('deepfake_detect')):
            parts = (n.module or '').split('.')[0 if n.level else 1:]  # `from .x import`, `from deepfake_detect.x import`
            out |= {parts[0]} if parts and parts[0] else {a.name for a in n.names}  # `from . import x`
        elif isinstance(n, ast.Import): out |= {a.name.split('.')[1] for a in n.names if a.name.startswith('deepfake_detect.')}
    return out

def test_no_branch_on_a_family_name_outside_the_families():
    found = set().union(*(_branches(f) for f in PKG.glob('*.py') if f.stem not in {*FAMILIES.values(), '_modidx'}))
    assert found - OWED_BRANCHES == set(), f'code outside the families compares with a method name: {sorted(found - OWED_BRANCHES)}'
    assert OWED_BRANCHES - found == set(), f'no longer there, remove from OWED_BRANCHES: {sorted(OWED_BRANCHES - found)}'
    assert ('x.py', 'f') in _branches(_write("def f(m):\n    return m in ('a', 'probe')\n"))  # the search sees one

def test_no_family_imports_another():
    mods = set(FAMILIES.values())
    found = {(f'{m}.py', other) for m in mods for other in _imported(PKG/f'{m}.py') & (mods - {m})}
    assert found - OWED_IMPORTS == set(), f'a family imports another: {sorted(found - OWED_IMPORTS)}'
    assert OWED_IMPORTS - found == set(), f'no longer there, remove from OWED_IMPORTS: {sorted(OWED_IMPORTS - found)}'

def _write(src:str)->Path:
    "A throwaway module x.py holding `src`, to show that the search finds what it looks for"
    p = Path(tempfile.mkdtemp())/'x.py'; p.write_text(src); return p
