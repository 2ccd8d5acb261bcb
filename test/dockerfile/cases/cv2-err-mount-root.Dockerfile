FROM busybox
WORKDIR /
RUN --mount=type=cache,target=. true
