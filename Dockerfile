# The API as it runs in production: gunicorn behind a proxy, static files served by WhiteNoise.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY manage.py ./
COPY exile_api ./exile_api
COPY resources ./resources
# collectstatic needs settings that import; these placeholder values never serve a request.
RUN SECRET_KEY=collectstatic-only-placeholder-not-a-secret-000000000000 ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput

RUN useradd --system --no-create-home app
USER app
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn -c python:exile_api.gunicorn_conf exile_api.wsgi"]
