"""Output serializers shared by the apps."""

from rest_framework import serializers


class RefSerializer(serializers.Serializer):
    """Another object named in a response: `{"id", "name"}` (a club, a coach, a boxer)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
