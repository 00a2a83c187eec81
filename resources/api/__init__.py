"""The HTTP layer: viewsets, serializers, filters, errors and the OpenAPI description."""
