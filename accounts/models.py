from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Customers and staff; ``is_staff`` separates them."""

    # django-stubs leave out the Meta that AbstractUser has at run time.
    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        swappable = "AUTH_USER_MODEL"
