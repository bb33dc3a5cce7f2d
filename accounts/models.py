from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Customers and staff; ``is_staff`` separates them."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
