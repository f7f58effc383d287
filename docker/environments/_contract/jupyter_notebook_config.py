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


# Kernel and terminal WebSockets send bursts of small frames (busy, input, result, reply, idle;
# a terminal's echo). Tornado leaves Nagle's algorithm on for WebSockets, so each burst's later
# frames waited for the client's delayed ACK: about 40 ms on every cell's round trip (bench
# scenario 4; 48 → 6 ms inside the container with this). set_nodelay is Tornado's documented
# way to turn it off, and it may be called from open().
def _open_without_nagle(handler_class):
    opened = handler_class.open

    def open(self, *args, **kwargs):
        self.set_nodelay(True)
        return opened(self, *args, **kwargs)

    handler_class.open = open


from notebook.services.kernels.handlers import ZMQChannelsHandler  # noqa: E402

_open_without_nagle(ZMQChannelsHandler)
try:
    from terminado.websocket import TermSocket  # noqa: E402
except ImportError:  # an image without terminals
    pass
else:
    _open_without_nagle(TermSocket)
