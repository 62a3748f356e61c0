# Production image: the Django app served by gunicorn. The same image runs the Celery
# worker and beat (see docker-compose.yml). Configuration comes from the environment;
# see deploy/production.env.example.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The app runs as an unprivileged user that owns nothing but the media directory.
RUN useradd --system --create-home --uid 10001 --user-group kds \
    && mkdir -p /data/media \
    && chown kds:kds /data/media

WORKDIR /app

# Dependencies first, in their own layer, so code changes do not reinstall them.
# The project itself declares no packages (`packages = []`): this installs only the
# pinned dependencies from pyproject.toml.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected into the image with the production storage (hashed,
# compressed names served by WhiteNoise). The settings refuse to load in production
# without a secret key, hosts and a database, so dummy values are given for this one
# step only; DATABASE_URL being set also keeps the settings from starting the embedded
# server, and CELERY_BROKER_URL from creating a queue directory. No connection is made.
RUN KDS_PROFILE=production \
    DJANGO_SECRET_KEY=build-only-collectstatic-not-a-secret-0123456789abcdef \
    DJANGO_ALLOWED_HOSTS=localhost \
    DATABASE_URL=postgresql://build@localhost/build \
    CELERY_BROKER_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput --verbosity 0

ENV KDS_PROFILE=production \
    KDS_MEDIA_ROOT=/data/media

USER kds
EXPOSE 8000
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
