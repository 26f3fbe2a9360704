FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CREDENCE_DATA_DIR=/data

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin credence \
    && mkdir -p /app /data && chown credence /data && chmod 0700 /data

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY api ./api
COPY core ./core
COPY crypto ./crypto
COPY cli ./cli
COPY migrations ./migrations
RUN pip install --no-cache-dir . && rm -rf /root/.cache

USER credence
VOLUME ["/data"]
EXPOSE 8000
# `serve` migrates first, then starts uvicorn.
CMD ["credence", "serve", "--host", "0.0.0.0", "--port", "8000"]
