# Put a folder into an Azurite container (created if missing), signed with the
# emulator's well-known SharedKey: no Azure SDK needed.
# usage: azurite_upload.py ENDPOINT CONTAINER PREFIX FOLDER
import base64, hashlib, hmac, os, sys, urllib.request
from email.utils import formatdate
endpoint, container, prefix, root = sys.argv[1:5]
account = "devstoreaccount1"
key = base64.b64decode("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==")
def send(method, path, query, body=b"", extra=None):
    headers = {"x-ms-date": formatdate(usegmt=True), "x-ms-version": "2021-08-06"}
    headers.update(extra or {})
    length = str(len(body)) if body else ""
    canon_h = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()) if k.startswith("x-ms-"))
    resource = f"/{account}/{account}/{path}" + "".join(f"\n{k}:{v}" for k, v in sorted(query.items()))
    sts = f"{method}\n\n\n{length}\n\napplication/octet-stream\n\n\n\n\n\n\n{canon_h}{resource}"
    sig = base64.b64encode(hmac.new(key, sts.encode(), hashlib.sha256).digest()).decode()
    headers["Content-Type"] = "application/octet-stream"
    headers["Authorization"] = f"SharedKey {account}:{sig}"
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    url = f"{endpoint}/{account}/{urllib.parse.quote(path)}" + (f"?{qs}" if qs else "")
    req = urllib.request.Request(url, data=body if method == "PUT" else None, method=method, headers=headers)
    try:
        urllib.request.urlopen(req).read()
    except urllib.error.HTTPError as e:
        if not (e.code == 409 and query):
            raise SystemExit(f"{method} {url}: {e.code} {e.read()[:300]}")
import urllib.parse
send("PUT", container, {"restype": "container"})
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        name = prefix + "/" + os.path.relpath(p, root).replace(os.sep, "/")
        send("PUT", f"{container}/{name}", {}, open(p, "rb").read(), {"x-ms-blob-type": "BlockBlob"})
