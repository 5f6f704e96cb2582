# One image for every Wardline service: `wardline run SERVICE` picks which one.
FROM python:3.11-slim
WORKDIR /app
# The case review PDFs are set in DejaVu Sans, which draws any name (services/casereview/reports.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY shared shared
COPY services services
RUN pip install --no-cache-dir . && useradd --uid 10001 --no-create-home wardline
USER 10001
ENV WARDLINE_HTTP_HOST=0.0.0.0 \
    WARDLINE_HEALTH_PORT=8080 \
    WARDLINE_LOG_JSON=1 \
    WARDLINE_VAR_DIR=/tmp/wardline
ENTRYPOINT ["wardline"]
CMD ["run", "gateway"]
