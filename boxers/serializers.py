"""Output serializers of boxers that other apps render too (a club's boxer accounts)."""

from rest_framework import serializers

from boxerconnect.api.serializers import RefSerializer


class BoxerOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    user_id = serializers.UUIDField()
    name = serializers.CharField()
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    height_cm = serializers.IntegerField(allow_null=True)
    date_of_birth = serializers.DateField(allow_null=True)
    gender = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField()
    experience_level = serializers.CharField()
    bio = serializers.CharField()
    club = RefSerializer(allow_null=True)
    wins = serializers.IntegerField()
    losses = serializers.IntegerField()
    draws = serializers.IntegerField()
    is_searchable = serializers.BooleanField()
    is_verified = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
