"""Blob storage for inputs and results: a local directory, or S3-compatible object storage.

The SQL store holds only metadata; bytes live here under ``<tenant>/<job id>/<name>``. A local
directory (a shared volume in a cluster) is the default: writes go to a temporary file renamed
into place, so a reader on another replica never sees half a file. ``s3://bucket/prefix`` uses
AWS S3, MinIO or Ceph (``server.s3_endpoint_url``; credentials from the usual AWS variables),
where a PUT is atomic by itself.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def delete_prefix(self, prefix: str) -> None: ...

    def ping(self) -> None: ...


class LocalBlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"blob key escapes the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._path(prefix), ignore_errors=True)

    def ping(self) -> None:
        """Readiness: the directory exists and is writable."""
        self.root.mkdir(parents=True, exist_ok=True)
        probe = self.root / ".ready"
        probe.write_bytes(b"ok")
        probe.unlink()


class S3BlobStore:
    def __init__(self, url: str, endpoint_url: str | None = None) -> None:
        try:
            import boto3  # type: ignore[import-untyped]
        except ImportError as exc:
            from docsight.errors import ConfigurationError

            raise ConfigurationError(
                "s3:// blob storage needs boto3: pip install boto3"
            ) from exc

        parts = urlsplit(url)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self._s3: Any = boto3.client("s3", endpoint_url=endpoint_url)

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        self._s3.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        return body

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        try:
            self._s3.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self._s3.delete_object(Bucket=self.bucket, Key=self._key(key))

    def delete_prefix(self, prefix: str) -> None:
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._key(prefix).rstrip("/") + "/"
        )
        for page in pages:
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:  # a page holds at most 1,000 keys, the most one delete_objects takes
                self._s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys})

    def ping(self) -> None:
        self._s3.head_bucket(Bucket=self.bucket)


def make_blob_store(location: str, endpoint_url: str | None = None) -> BlobStore:
    if location.startswith("s3://"):
        return S3BlobStore(location, endpoint_url)
    return LocalBlobStore(location)


def job_prefix(tenant: str, job_id: str) -> str:
    return f"{tenant}/{job_id}"


def input_key(tenant: str, job_id: str) -> str:
    return f"{tenant}/{job_id}/input"


def result_key(tenant: str, job_id: str) -> str:
    return f"{tenant}/{job_id}/result.json"
