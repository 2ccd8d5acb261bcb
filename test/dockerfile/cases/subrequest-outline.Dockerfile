ARG BASE=busybox
FROM ${BASE}
ARG NAME=world
RUN --mount=type=secret,id=s --mount=type=ssh echo $NAME
