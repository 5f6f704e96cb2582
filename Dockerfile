# One image for every Wardline service: `wardline run SERVICE` picks which one.
FROM python:3.11-slim
WORKDIR /app
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
