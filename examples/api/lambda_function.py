"""AWS Lambda entry point: handler "examples.api.lambda_function.handler" (see template.yaml)."""

from manypaths.platforms import lambda_handler

from .app import app

handler = lambda_handler(app)
