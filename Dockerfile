# syntax=docker/dockerfile:1
# The IntraSoft API image. One image for every Python process of the system:
#   (default)        gunicorn -c gunicorn.conf.py "intrasoft:create_app()"  on 0.0.0.0:5000
#   flask setup-db   the migration, run once per release before the API starts
#   flask scheduler  the periodic jobs (exactly one)
#   flask seed | sync | import ...   one-off commands
# Build: docker build -t intrasoft-api .

# --- Build: the pinned dependencies into a virtualenv, in their own cached layer --------------
FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt

# --- Run: the virtualenv and the application code, nothing else -------------------------------
FROM python:3.11.14-slim-bookworm
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=intrasoft \
    GUNICORN_BIND=0.0.0.0:5000 \
    ENVIRONMENT=production
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY gunicorn.conf.py ./
COPY migrations/ migrations/
COPY intrasoft/ intrasoft/

# An unprivileged user that owns nothing here: the code is read-only to the process, and the
# only writable places are /tmp (gunicorn's Prometheus multiprocess directory) and /dev/shm.
USER 10001:10001
EXPOSE 5000
# Liveness of the HTTP server only (an image running `flask scheduler` disables it in compose).
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/health', timeout=2)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "intrasoft:create_app()"]
