"""factory_boy factories for accounts."""

import factory

from accounts.models import Role, User

PASSWORD = "Correct-Horse-Battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = Role.BOXER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AdminFactory(UserFactory):
    role = Role.ADMIN
    is_superuser = True


class CoachFactory(UserFactory):
    role = Role.COACH


class GymOwnerFactory(UserFactory):
    role = Role.GYM_OWNER
