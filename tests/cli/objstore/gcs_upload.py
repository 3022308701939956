# Put a file or a folder into a fake-gcs-server bucket (created if missing)
# through the JSON API: no Google SDK needed. A file goes to PREFIX/<its name>,
# a folder's files to PREFIX/<their path under it>.
# usage: gcs_upload.py ENDPOINT BUCKET PREFIX PATH
import json, os, sys, urllib.error, urllib.parse, urllib.request

endpoint, bucket, prefix, root = sys.argv[1:5]


def send(url, body, content_type, conflict_ok=False):
    req = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": content_type})
    try:
        urllib.request.urlopen(req).read()
    except urllib.error.HTTPError as e:
        if not (conflict_ok and e.code == 409):
            raise SystemExit(f"POST {url}: {e.code} {e.read()[:300]}")


send(f"{endpoint}/storage/v1/b", json.dumps({"name": bucket}).encode(), "application/json", conflict_ok=True)
if os.path.isfile(root):
    files = [(root, os.path.basename(root))]
else:
    files = [
        (os.path.join(d, f), os.path.relpath(os.path.join(d, f), root).replace(os.sep, "/"))
        for d, _, names in os.walk(root)
        for f in names
    ]
for path, rel in files:
    name = urllib.parse.quote(f"{prefix}/{rel}", safe="")
    with open(path, "rb") as f:
        send(f"{endpoint}/upload/storage/v1/b/{bucket}/o?uploadType=media&name={name}", f.read(), "application/octet-stream")
