FROM python:3.11-slim
WORKDIR /srv/dial112
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
RUN pip install --no-cache-dir -e .
EXPOSE 8000
CMD ["dial112", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
