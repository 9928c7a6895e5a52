"""A zip of a batch's outputs: one file per document and format, plus a manifest.

Names are ``<index>-<stem><extension>`` so two uploads called ``scan.pdf`` do not collide;
documents without a result are listed in the manifest with their error instead.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import PurePath

from docsight.formats import extension, parse_formats
from docsight.server.jobs.service import JobService, job_summary
from docsight.server.jobs.tables import Job


def batch_zip(service: JobService, jobs: list[Job], formats: str) -> bytes:
    names = parse_formats(formats)
    buffer = io.BytesIO()
    manifest = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, job in enumerate(jobs, 1):
            stem = PurePath(job.filename or job.id).stem or job.id
            entry = {**job_summary(job), "files": []}
            if job.status in ("succeeded", "failed") and job.result_status:
                for name in names:
                    data, _ = service.export(job, name)
                    path = f"{index:03d}-{stem}{extension(name)}"
                    archive.writestr(path, data)
                    entry["files"].append(path)
            manifest.append(entry)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buffer.getvalue()
