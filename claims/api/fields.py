from rest_framework import serializers


class NestedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation written as an id and read as a brief nested object.

    Clients send `"source": 3`; they get back `"source": {"id": 3, "slug": ..., "name": ...}`,
    so a claim can be rendered without a request per related object.
    """

    def __init__(self, serializer, **kwargs):
        self.serializer_class = serializer
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return self.serializer_class(value, context=self.context).data
