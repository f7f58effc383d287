# System-wide Notebook config of Aula student images (/etc/jupyter). The gateway in front of
# the container authenticates the student and forwards with `Authorization: token <t>`, keeping
# the browser's Host header, so the defaults that fit are kept and only these are pinned.
import os

c = get_config()  # noqa: F821 - injected by traitlets when it loads this file

c.NotebookApp.token = os.environ["JUPYTER_TOKEN"]
c.NotebookApp.password = ""
c.NotebookApp.open_browser = False
c.NotebookApp.allow_root = False
# Reached through the gateway's port mapping on 127.0.0.1, never directly by browsers.
c.NotebookApp.allow_remote_access = True
# No allow_origin: Notebook then accepts a WebSocket only when Origin matches Host, which holds
# behind a proxy that keeps Host. "*" would let any site drive a student's kernels.
c.NotebookApp.allow_origin = ""
c.NotebookApp.trust_xheaders = True
c.NotebookApp.quit_button = False
# Runtime files (connection files, cookie secret) stay inside the container, off the volume.
c.NotebookApp.notebook_dir = "/bootcamp"
c.NotebookApp.terminado_settings = {"shell_command": ["/bin/bash", "-l"]}
