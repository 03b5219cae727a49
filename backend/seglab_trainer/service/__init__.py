"""The HTTP training service: FastAPI app, dataset uploads, job store, executors."""
