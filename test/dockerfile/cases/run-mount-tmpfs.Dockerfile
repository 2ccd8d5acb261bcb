FROM busybox
RUN --mount=type=tmpfs,target=/tmp/t df /tmp/t
RUN --mount=type=tmpfs,target=/tmp/s,size=64m df /tmp/s
