FROM busybox
RUN --mount=type=weird,target=/x true
