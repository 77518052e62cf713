"""Output serializers of accounts that other apps render too (a club's boxer accounts)."""

from rest_framework import serializers

from accounts.models import User


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "is_active", "email_verified", "created_at"]
        read_only_fields = fields
