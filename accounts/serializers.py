"""Output serializers of accounts that other apps render too (a club's boxer accounts)."""

from rest_framework import serializers

from accounts.models import NotificationKind, User
from boxerconnect.api.serializers import RefSerializer


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "role", "is_active", "email_verified", "created_at"]
        read_only_fields = fields


class MeOutputSerializer(UserOutputSerializer):
    """The caller's own account: the User shape plus its own settings."""

    class Meta(UserOutputSerializer.Meta):
        fields = [*UserOutputSerializer.Meta.fields, "email_notifications"]
        read_only_fields = fields


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    actor = RefSerializer(allow_null=True)
    data = serializers.DictField()  # type: ignore[assignment]  # the contract names it "data"
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
