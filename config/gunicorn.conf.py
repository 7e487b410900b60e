"""gunicorn's configuration for production: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

Every value comes from the environment, with defaults for one machine behind a proxy.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# sync workers: the pages are short database reads; scale out with more processes
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))  # a request longer than this is killed
graceful_timeout = 30
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))  # recycle, bounding any leak
max_requests_jitter = 200
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
