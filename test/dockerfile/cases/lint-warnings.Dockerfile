from busybox as Builder
FROM busybox AS second
ENV key value
CMD echo not json
ENTRYPOINT echo also not json
RUN echo $UNDEFINED_VAR
ARG SECRET_PASSWORD=hunter2
MAINTAINER me
COPY a /relative
WORKDIR relative/dir
FROM builder
