"""Print DATABASE_URL and REDIS_URL assignments when PostgreSQL and Redis answer (for make)."""

import sys

import psycopg
import redis

POSTGRES_USERS = ("postgres", "root")


def postgres_url() -> str | None:
    for user in POSTGRES_USERS:
        url = f"postgres://{user}@127.0.0.1:5432/test"
        try:
            with psycopg.connect(url.replace("postgres://", "postgresql://"), connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    return None


def redis_url() -> str | None:
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError:
        return None
    return url


if __name__ == "__main__":
    pg, rd = postgres_url(), redis_url()
    if pg and rd:
        print(f"DATABASE_URL={pg}; REDIS_URL={rd}")
    sys.exit(0)
