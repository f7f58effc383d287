"""Compiles bytecode for the modules a student server imports, at build time.

slim.sh removed every __pycache__ (Debian compiles all of it, tests and rarely used modules
included). Importing what the server, the kernel and a typical week-1..6 notebook load writes
back only the bytecode that is actually used; uid 1000 could not write it at run time, so
without this every start would recompile in memory.
"""
import importlib
import sys

MODULES = [
    "notebook.notebookapp", "notebook.services.kernels.kernelmanager", "notebook.terminal",
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipywidgets", "matplotlib_inline.backend_inline",
    "numpy", "pandas", "matplotlib.pyplot", "seaborn", "sklearn", "sklearn.linear_model",
    "sklearn.model_selection", "sklearn.metrics", "sklearn.preprocessing", "tqdm", "tqdm.auto",
    "PIL.Image",
]
extra = [m for m in sys.argv[1:]]
for name in MODULES + extra:
    importlib.import_module(name)
print(f"warm.py: imported {len(MODULES) + len(extra)} modules, {len(sys.modules)} loaded in total")
