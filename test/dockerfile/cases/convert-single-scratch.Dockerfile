FROM scratch
ADD rootfs.tar /
VOLUME ["/data", "/logs"]
STOPSIGNAL SIGRTMIN+3
HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1s --retries=4 CMD ["/bin/check"]
