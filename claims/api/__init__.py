"""The REST API's claims resources: serializers, views; wired in provenance/api_router.py."""
