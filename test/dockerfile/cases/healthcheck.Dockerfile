FROM busybox AS a
HEALTHCHECK --interval=30s --timeout=5s --start-period=1m --start-interval=2s --retries=3 CMD wget -q -O- http://localhost/ || exit 1
FROM a AS b
HEALTHCHECK CMD ["/bin/check", "--json"]
FROM b
HEALTHCHECK NONE
