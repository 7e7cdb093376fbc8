from rest_framework import serializers


class NestedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A relation written as an id and read as a brief nested object.

    Clients send `"source": 3`; they get back `"source": {"id": 3, "slug": ..., "name": ...}`,
    so a claim can be rendered without a request per related object. A nested object with
    an `id` is accepted on write too, so what a client read can be sent back as it is.
    """

    def __init__(self, serializer, **kwargs):
        self.serializer_class = serializer
        super().__init__(**kwargs)

    def use_pk_only_optimization(self):
        return False

    def to_representation(self, value):
        return self.serializer_class(value, context=self.context).data

    def to_internal_value(self, data):
        if isinstance(data, dict) and "id" in data:
            data = data["id"]
        return super().to_internal_value(data)

    def get_choices(self, cutoff=None):
        # The browsable API's <select>: keyed by id, since the nested representation is not hashable.
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}
