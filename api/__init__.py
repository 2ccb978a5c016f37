"""cpkg's HTTP layer: a SPARQL 1.1 Protocol endpoint and a REST API over the `kg` store.

`cpkg.api.app.create_app` builds the FastAPI application; `cpkg serve` runs it under uvicorn.
"""
