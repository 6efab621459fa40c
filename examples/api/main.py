"""Google Cloud Functions entry point: deploy with --entry-point=main (see the README)."""

from manypaths.platforms import cloud_function

from .app import app

main = cloud_function(app)
