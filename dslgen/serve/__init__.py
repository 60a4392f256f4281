"""`dslgen serve`: a local inference server and web page; every generation is logged and rated.

The package is imported lazily: `dslgen.cli` registers `serve` from `dslgen.serve.cli`, which
loads FastAPI, uvicorn and the model only when the command runs, so the rest of the CLI starts
fast and works without the `serve` extra. Build an app with `dslgen.serve.app.create_app`.
"""
